"""Process-wide memory settings of the ``mlm-audit`` command (the library leaves the
process as it finds it).

An audit's large arrays are short-lived temporaries of tens of megabytes, each written once
or twice. Memory the process has just freed is cheap to use again; memory it takes fresh
from the kernel costs a page fault per page and the zeroing of every page. Four settings
keep the audit on the first kind (measured on the 1M-agent benchmark, benchmarks/README.md):

- NumPy's transparent huge page advice off: a 2 MiB page is zeroed whole at its first
  touch, and huge pages tend to come from memory the process has not used before, where
  ordinary pages reuse what it just freed (system time about 2 s lower);
- glibc's malloc keeps freed blocks for reuse instead of mapping every block above 32 MiB
  afresh and unmapping it on free (``M_MMAP_MAX`` 0, trimming only above 2 GiB): about 1 s
  less system time, 0.4 million fewer page faults, the same peak memory; and every thread
  allocates from the one main heap (``M_ARENA_MAX`` 1): a thread's own arena grows by heaps
  of 64 MiB that it unmaps as soon as they empty, whatever the trim threshold, so the
  threads that read and derive batches took fresh pages for every batch (0.2 million fewer
  page faults; the threads' large allocations are few, so they do not wait on each other);
- polars' allocator (jemalloc) keeps freed pages 5 s instead of 0.5 s before it returns
  them, and then returns them at once: reading a batch reuses the pages of the batch before
  (about 1 s less system time, 0.25 million fewer page faults, 0.1–0.25 GiB more peak at 1M
  agents). This one must be set before polars loads: importing the CLI package does it.

- polars reads a CSV file in chunks of 8 MiB instead of 32 MiB (``POLARS_CSV_CHUNK_SIZE``):
  each chunk is read into a buffer of its own, and the smaller buffers come from freed
  memory far more often (about 70,000 fewer page faults and 0.2 GiB less peak memory at 1M
  agents; polars reads this option at each scan).

Two more settings are not about memory but belong with these, being read once when a
library loads:

- NumPy's BLAS library (OpenBLAS) starts a thread per core when NumPy loads, and they spin
  for a while (80 ms of CPU time on two cores). An audit makes no BLAS call, so the command
  asks for one thread (``OPENBLAS_NUM_THREADS``), also before NumPy loads.
- polars' thread pool gets half the cores the process may use, at least one
  (``POLARS_MAX_THREADS``; polars' own default is every core). The scan runs the orders
  and the payouts in two threads of its own, each with a reader beside it, and their NumPy
  work takes the other half. With a pool of every core, polars splits each read and each
  expression across threads that find the cores busy: on two cores one thread took about
  1 s less CPU time (0.6 s of it system time, 0.2 million fewer page faults, 0.3 GiB less
  peak memory) and the 1M-agent audit 0.4 s less wall time, although the phases after the
  scan, which polars could spread over both cores, took 0.3 s more. Half is an engineering
  default measured on two cores only.

Settings the user made through the environment (``NUMPY_MADVISE_HUGEPAGE``,
``GLIBC_TUNABLES``, ``MALLOC_ARENA_MAX``, ``MALLOC_*_``, ``_RJEM_MALLOC_CONF``,
``POLARS_CSV_CHUNK_SIZE``, ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
``POLARS_MAX_THREADS``) stand.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # mallopt parameters (glibc malloc.h)
M_MMAP_MAX = -4
M_ARENA_MAX = -8
GLIBC_ENV = ("GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_ARENA_TEST")  # and MALLOC_*_
TRIM_BYTES = 2**31 - 1  # engineering default: freed memory above 2 GiB goes back at once
POLARS_ALLOCATOR = "dirty_decay_ms:5000,muzzy_decay_ms:0"  # engineering default (above)
POLARS_ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"  # the variable polars' jemalloc reads at load
CSV_CHUNK_ENV = "POLARS_CSV_CHUNK_SIZE"  # bytes of a CSV file polars reads at a time
CSV_CHUNK_BYTES = 8 << 20  # engineering default (above); polars' own is 32 MiB
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS")
POLARS_THREADS_ENV = "POLARS_MAX_THREADS"  # read once, when polars' thread pool starts


def blas_one_thread() -> bool:
    """Ask NumPy's OpenBLAS for one thread when NumPy loads; False when the user chose, or
    NumPy is loaded already (its threads started)."""
    if any(k in os.environ for k in BLAS_ENV) or "numpy" in sys.modules:
        return False
    os.environ[BLAS_ENV[0]] = "1"
    return True


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the platform tells)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def polars_half_the_cores() -> bool:
    """Give polars' thread pool half the usable cores (at least one) when polars loads;
    False when the user chose, or polars is loaded already (its pool may be running)."""
    if POLARS_THREADS_ENV in os.environ or _polars_loaded():
        return False
    os.environ[POLARS_THREADS_ENV] = str(max(1, usable_cores() // 2))
    return True


def _polars_loaded() -> bool:
    return any(m == "polars" or m.startswith("_polars_runtime") for m in sys.modules)


def polars_keep_freed() -> bool:
    """Set polars' allocator options for when polars loads; False when the user set them or
    polars is loaded already (then they would not take effect)."""
    if POLARS_ALLOCATOR_ENV in os.environ or _polars_loaded():
        return False
    os.environ[POLARS_ALLOCATOR_ENV] = POLARS_ALLOCATOR
    return True


def polars_small_chunks() -> bool:
    """Have polars read CSV files in smaller chunks; False when the user chose a size."""
    if CSV_CHUNK_ENV in os.environ:
        return False
    os.environ[CSV_CHUNK_ENV] = str(CSV_CHUNK_BYTES)
    return True


def numpy_small_pages() -> bool:
    """Turn NumPy's huge page advice off; False when the user chose or NumPy lacks it."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return False
    import numpy

    core = getattr(numpy, "_core", None) or getattr(numpy, "core", None)
    advise = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if advise is None:
        return False
    advise(False)
    return True


def glibc_keep_freed() -> bool:
    """Have glibc's malloc keep freed blocks, in one heap for all threads; False off glibc
    or when the user set its tunables."""
    if not sys.platform.startswith("linux") or any(
            k in GLIBC_ENV or (k.startswith("MALLOC_") and k.endswith("_")) for k in os.environ):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (AttributeError, OSError, ValueError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return all(mallopt(param, value) for param, value in (
        (M_MMAP_MAX, 0), (M_TRIM_THRESHOLD, TRIM_BYTES), (M_ARENA_MAX, 1)))
