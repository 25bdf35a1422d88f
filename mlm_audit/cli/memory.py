"""Process-wide memory settings of the ``mlm-audit`` command (the library leaves the
process as it finds it).

An audit's large arrays are short-lived temporaries of tens of megabytes, each written once
or twice. Memory the process has just freed is cheap to use again; memory it takes fresh
from the kernel costs a page fault per page and the zeroing of every page. Three settings
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

Two more settings are not about memory but belong with these, being made the same way:

- NumPy's BLAS library (OpenBLAS) starts a thread per core when NumPy loads, and they spin
  for a while (80 ms of CPU time on two cores). An audit makes no BLAS call, so the command
  asks for one thread (``OPENBLAS_NUM_THREADS``), also before NumPy loads;
- for ``audit`` and ``validate`` (set by the entry point, :mod:`mlm_audit.cli.entry`),
  polars' thread pool gets one core fewer than the process may use, at least one
  (``POLARS_MAX_THREADS``, before polars loads). They keep the cores busy with threads of
  their own (the orders and payouts passes side by side, each fed by a reader); polars
  splitting every batch's operations over all the cores as well adds work and no speed (on
  two cores, the 1M-agent benchmark: CPU time 18.1 -> 16.5 s, wall 9.9 -> 9.2 s, medians of
  six alternated runs). ``generate``, one thread of its own, keeps polars' full pool (1M
  agents: 11.8 s, against 17.5 s with one polars thread).

Settings the user made through the environment (``NUMPY_MADVISE_HUGEPAGE``,
``GLIBC_TUNABLES``, ``MALLOC_ARENA_MAX``, ``MALLOC_*_``, ``_RJEM_MALLOC_CONF``,
``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``POLARS_MAX_THREADS``) stand.
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
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS")
POLARS_THREADS_ENV = "POLARS_MAX_THREADS"  # read once, when polars loads


def blas_one_thread() -> bool:
    """Ask NumPy's OpenBLAS for one thread when NumPy loads; False when the user chose, or
    NumPy is loaded already (its threads started)."""
    if any(k in os.environ for k in BLAS_ENV) or "numpy" in sys.modules:
        return False
    os.environ[BLAS_ENV[0]] = "1"
    return True


def polars_keep_freed() -> bool:
    """Set polars' allocator options for when polars loads; False when the user set them or
    polars is loaded already (then they would not take effect)."""
    if POLARS_ALLOCATOR_ENV in os.environ or _polars_loaded():
        return False
    os.environ[POLARS_ALLOCATOR_ENV] = POLARS_ALLOCATOR
    return True


def polars_threads() -> bool:
    """Size polars' thread pool, when polars loads, to the cores this process may use less
    one, at least one; False when the user set it or polars is loaded already."""
    if POLARS_THREADS_ENV in os.environ or _polars_loaded():
        return False
    os.environ[POLARS_THREADS_ENV] = str(max(usable_cores() - 1, 1))
    return True


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _polars_loaded() -> bool:
    return any(m == "polars" or m.startswith("_polars_runtime") for m in sys.modules)


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
