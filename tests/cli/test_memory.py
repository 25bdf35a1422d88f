"""The CLI's process-wide memory settings take effect, and yield to the user's own."""

from __future__ import annotations

import os
import resource
import sys

import pytest

from mlm_audit.cli import memory


def _advise(on: bool) -> bool:
    """Set NumPy's huge-page advice; returns the setting it replaced."""
    import numpy

    core = getattr(numpy, "_core", None) or numpy.core
    return bool(core.multiarray._set_madvise_hugepage(on))


def test_numpy_small_pages_turns_the_huge_page_advice_off(monkeypatch):
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    before = _advise(True)
    try:
        assert memory.numpy_small_pages()
        assert _advise(True) is False  # what numpy_small_pages left
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")  # the user's choice stands
        assert not memory.numpy_small_pages()
        assert _advise(True) is True
    finally:
        _advise(before)


@pytest.mark.skipif(not hasattr(os, "confstr") or not sys.platform.startswith("linux"),
                    reason="glibc only")
def test_glibc_keeps_freed_blocks_for_reuse(monkeypatch):
    import numpy as np

    if not os.confstr("CS_GNU_LIBC_VERSION"):
        pytest.skip("not glibc")
    for k in [k for k in os.environ if k == "GLIBC_TUNABLES" or k.startswith("MALLOC_")]:
        monkeypatch.delenv(k)
    assert memory.glibc_keep_freed()

    def faults_of_a_fresh_64_mib_array() -> int:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        a = np.ones(8 << 20, dtype=np.int64)
        a += 1
        del a
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    faults_of_a_fresh_64_mib_array()  # the heap grows once
    # a mapped block would fault on each of its pages again (16384 of 4 KiB, or 32 huge)
    assert faults_of_a_fresh_64_mib_array() < 16

    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")
    assert not memory.glibc_keep_freed()  # the user's settings stand
    monkeypatch.delenv("GLIBC_TUNABLES")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not memory.glibc_keep_freed()


_THREAD_REUSE = """
import resource, sys, threading
import numpy as np
from mlm_audit.cli import memory
memory.numpy_small_pages()
if sys.argv[1] == "tuned":
    assert memory.glibc_keep_freed()
else:  # the same but for the arenas
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
    assert libc.mallopt(memory.M_MMAP_MAX, 0) and libc.mallopt(memory.M_TRIM_THRESHOLD,
                                                               memory.TRIM_BYTES)
faults = []
def work():
    held = np.ones(5 << 20, dtype=np.int64)  # 40 MiB: a second block needs a second heap
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        a = np.ones(5 << 20, dtype=np.int64)
        del a
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
t = threading.Thread(target=work)
t.start()
t.join()
print(*faults)
"""


@pytest.mark.skipif(not hasattr(os, "confstr") or not sys.platform.startswith("linux"),
                    reason="glibc only")
def test_glibc_threads_reuse_freed_blocks():
    """A thread's own arena unmaps a heap as soon as it empties: each 40 MiB block beyond
    the first faults on all its pages again. With one heap for all threads it is reused."""
    import subprocess

    if not os.confstr("CS_GNU_LIBC_VERSION"):
        pytest.skip("not glibc")
    env = {k: v for k, v in os.environ.items()
           if not (k in memory.GLIBC_ENV or k.startswith("MALLOC_"))}

    def faults(mode: str) -> list[int]:
        out = subprocess.run([sys.executable, "-c", _THREAD_REUSE.replace("sys.argv[1]",
                              repr(mode))], env=env, check=True, capture_output=True, text=True)
        return [int(x) for x in out.stdout.split()]

    tuned = faults("tuned")
    assert tuned[0] > 5000 and max(tuned[1:]) < 64  # the heap grows once, then is reused
    assert min(faults("arenas")[1:]) > 5000  # with an arena per thread every block is fresh


def _fresh(code: str, **env: str) -> str:
    """Run ``code`` in a new interpreter (the allocator options are read once per process)."""
    import subprocess

    base = {k: v for k, v in os.environ.items()
            if k != memory.POLARS_ALLOCATOR_ENV and k not in memory.BLAS_ENV}
    out = subprocess.run([sys.executable, "-c", code], env={**base, **env}, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def test_polars_allocator_options_are_set_before_polars_loads():
    code = ("import os, sys; import mlm_audit.cli.main as m, mlm_audit.cli as c; "
            "print(c.POLARS_ALLOCATOR_SET, 'polars' in sys.modules, "
            f"os.environ[{memory.POLARS_ALLOCATOR_ENV!r}].endswith({memory.POLARS_ALLOCATOR!r}))")
    assert _fresh(code) == "True True True"  # set, polars loaded after, the options in force
    mine = {memory.POLARS_ALLOCATOR_ENV: "dirty_decay_ms:100"}
    assert _fresh(code, **mine).split()[0] == "False"  # the user's options stand
    late = "import polars, mlm_audit.cli as c; print(c.POLARS_ALLOCATOR_SET)"
    assert _fresh(late) == "False"  # polars loaded first: setting them would mislead


def test_blas_gets_one_thread_before_numpy_loads():
    code = ("import os; import mlm_audit.cli.main as m, mlm_audit.cli as c; "
            "print(c.BLAS_ONE_THREAD, os.environ.get('OPENBLAS_NUM_THREADS'))")
    assert _fresh(code) == "True 1"  # set when the CLI loaded, before it loaded numpy
    assert _fresh(code, OPENBLAS_NUM_THREADS="2").split()[:2] == ["False", "2"]  # theirs
    assert _fresh(code, OMP_NUM_THREADS="2").split()[:2] == ["False", "None"]
    late = "import numpy, mlm_audit.cli as c; print(c.BLAS_ONE_THREAD)"
    assert _fresh(late) == "False"  # numpy loaded first: its threads already run


def test_polars_reads_csv_in_smaller_chunks_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv(memory.CSV_CHUNK_ENV, raising=False)
    assert memory.polars_small_chunks()
    assert os.environ[memory.CSV_CHUNK_ENV] == str(memory.CSV_CHUNK_BYTES)
    monkeypatch.setenv(memory.CSV_CHUNK_ENV, "1048576")  # the user's choice stands
    assert not memory.polars_small_chunks()
    assert os.environ[memory.CSV_CHUNK_ENV] == "1048576"


def test_csv_read_in_small_chunks_loses_no_row(tmp_path, monkeypatch):
    """A chunk boundary falls inside rows and inside a quoted field with a line break."""
    import polars as pl

    from mlm_audit.io.stream_read import Delimited

    rows = [f'O{i},A{i % 7},"{i}.00","note\n{i}"' for i in range(20_000)]
    path = tmp_path / "orders.csv"
    path.write_text("order_id,buyer_id,amount,note\n" + "\n".join(rows) + "\n")
    monkeypatch.setenv(memory.CSV_CHUNK_ENV, "4096")  # many boundaries in a small file
    d = Delimited.sniff(path.read_bytes()[:4096], "utf-8", "csv")
    got = pl.concat(list(d.batches(path, None, 1000)))
    assert got.height == 20_000
    assert got["order_id"].to_list() == [f"O{i}" for i in range(20_000)]
    assert got["note"][12345] == "note\n12345"
    assert got["_row"].to_list() == list(range(2, 20_002))  # records numbered in order


def test_polars_gets_half_the_cores_before_polars_loads(monkeypatch):
    code = ("import os; import mlm_audit.cli.main as m, mlm_audit.cli as c, polars as pl; "
            "print(c.POLARS_THREADS_SET, os.environ.get('POLARS_MAX_THREADS'), "
            "pl.thread_pool_size())")
    half = str(max(1, memory.usable_cores() // 2))
    monkeypatch.delenv(memory.POLARS_THREADS_ENV, raising=False)  # _fresh copies os.environ
    assert _fresh(code) == f"True {half} {half}"  # set before polars loaded, and in force
    assert _fresh(code, POLARS_MAX_THREADS="3") == "False 3 3"  # the user's choice stands
    late = "import polars, mlm_audit.cli as c; print(c.POLARS_THREADS_SET)"
    assert _fresh(late) == "False"  # polars loaded first: its pool may be running


def test_usable_cores_follows_the_affinity(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 3, 5}, raising=False)
    assert memory.usable_cores() == 3
    monkeypatch.delenv(memory.POLARS_THREADS_ENV, raising=False)
    monkeypatch.setattr(memory, "_polars_loaded", lambda: False)
    assert memory.polars_half_the_cores()
    assert os.environ[memory.POLARS_THREADS_ENV] == "1"

    def unknown(_pid: int) -> set[int]:
        raise OSError

    monkeypatch.setattr(os, "sched_getaffinity", unknown)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert memory.usable_cores() == 8
