"""Rows spilled in hash partitions, so a join or a duplicate test over billions of rows runs
one partition at a time in bounded memory.

A spill first holds its rows in memory, as they come, while the scan's memory budget
(:class:`Budget`, shared by all spills of one scan) has room for them; then it can be read as
a single partition, and small inputs never touch disk nor pay for partitioning. Once the
budget is spent, the spill gives its bytes back and goes to disk: a row goes to the partition
given by the top bits of its 64-bit key, rows are buffered per partition and written as
Arrow IPC batches. Reading a partition gives its rows in the order they were added (rows of
one key are always in one partition, in the order they came).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc

from mlm_audit import kernels
from mlm_audit.packsort import sort_words

FLUSH_ROWS = 65_536  # engineering default: rows buffered per partition before a write
RANGE_ROWS = 1_000_000  # engineering default: keys sorted in one piece by the repeated-id test
MEMORY_BYTES = 768 << 20  # engineering default: bytes of spilled rows one scan keeps in memory
# (the 1M-agent benchmark holds about 570 MiB; at 10M agents most spills go to disk)


def partition_bits(rows_hint: int, rows_per_part: int = 4_000_000) -> int:
    """Bits of the key that choose a partition: about ``rows_per_part`` rows in each."""
    return max(0, min(8, int(max(rows_hint // rows_per_part, 1) - 1).bit_length()))


class Budget:
    """Bytes the spills of one scan may still hold in memory (shared by the passes, which
    run in two threads)."""

    def __init__(self, total: int) -> None:
        self.left = total
        self._lock = threading.Lock()

    def take(self, n: int) -> bool:
        with self._lock:
            if n > self.left:
                return False
            self.left -= n
            return True

    def give(self, n: int) -> None:
        with self._lock:
            self.left += n


class Spill:
    """Rows partitioned by the top bits of the 64-bit ``key`` column, or of what ``part``
    gives for a frame of rows (computed only when the rows leave memory)."""

    def __init__(self, key: str, bits: int, where: Path | None = None,
                 budget: Budget | None = None,
                 part: Callable[[pl.DataFrame], npt.NDArray[np.uint64]] | None = None
                 ) -> None:
        self.key = key
        self._part = part
        self.bits = bits
        self.parts = 1 << bits
        self._where = where
        self._budget = budget
        self._mem: list[pl.DataFrame] | None = [] if budget is not None else None
        self._held = 0  # bytes of _mem taken from the budget
        self._dir: tempfile.TemporaryDirectory[str] | None = None  # made on first write
        self._buf: list[list[pl.DataFrame]] = [[] for _ in range(self.parts)]
        self._buffered = [0] * self.parts
        self._writers: dict[int, ipc.RecordBatchFileWriter] = {}
        self._schema: pa.Schema | None = None
        self._done: set[int] = set()
        self.rows = 0

    @property
    def in_memory(self) -> bool:
        """All rows are held in memory, unpartitioned: read them as one partition."""
        return self._mem is not None

    @property
    def count(self) -> int:
        """Partitions to read: 1 while in memory, else ``parts``."""
        return 1 if self._mem is not None else self.parts

    def part_of(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        if self.bits == 0:
            return np.zeros(keys.size, dtype=np.int64)
        return (keys >> np.uint64(64 - self.bits)).astype(np.int64)

    def add(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        self.rows += df.height
        if self._mem is not None:
            size = int(df.estimated_size())
            assert self._budget is not None
            if self._budget.take(size):
                self._mem.append(df)
                self._held += size
                return
            self.spread()
        self._partition(df)

    def spread(self) -> None:
        """Leave memory: partition the rows held so far (to disk as they grow)."""
        if self._mem is None:
            return
        held, self._mem = self._mem, None
        self._release()
        for df in held:
            self._partition(df)

    def _release(self) -> None:
        if self._budget is not None:
            self._budget.give(self._held)
        self._held = 0

    def _partition(self, df: pl.DataFrame) -> None:
        if self.bits == 0:
            self._put(0, df)
            return
        part = self.part_of(self._part(df) if self._part else df[self.key].to_numpy())
        for (p,), sub in df.with_columns(pl.Series("_p", part)).partition_by(
                "_p", as_dict=True, include_key=False).items():
            self._put(int(p), sub)

    def _put(self, p: int, df: pl.DataFrame) -> None:
        self._buf[p].append(df)
        self._buffered[p] += df.height
        if self._buffered[p] >= FLUSH_ROWS:
            self._flush(p)

    def _flush(self, p: int) -> None:
        if not self._buf[p]:
            return
        table = pl.concat(self._buf[p]).to_arrow()
        if self._schema is None:
            self._schema = table.schema
        if p not in self._writers:
            self._writers[p] = ipc.new_file(str(self._path(p)), self._schema)
        self._writers[p].write_table(table.cast(self._schema))
        self._buf[p], self._buffered[p] = [], 0

    def _path(self, p: int) -> Path:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="mlm-audit-spill-", dir=self._where)
        return Path(self._dir.name) / f"part-{p:03d}.arrow"

    def close(self) -> None:
        """Finish writing; partitions can be read after this. Partitions that never grew
        past one buffer stay in memory."""
        for p in list(self._writers):
            self._flush(p)
        for w in self._writers.values():
            w.close()
        self._done |= set(self._writers)  # closing twice must not forget what was written
        self._writers = {}

    def read(self, p: int) -> pl.DataFrame | None:
        parts = list(self.batches(p))
        return pl.concat(parts) if parts else None

    def batches(self, p: int) -> Iterator[pl.DataFrame]:
        """Partition ``p`` (of :attr:`count`) as it was added, one stored batch at a time."""
        if self._mem is not None:
            yield from self._mem
            return
        if p in self._done:
            reader = ipc.open_file(str(self._path(p)))
            for i in range(reader.num_record_batches):
                df = pl.from_arrow(reader.get_batch(i))
                assert isinstance(df, pl.DataFrame)
                yield df
        yield from self._buf[p]

    def column(self, p: int, col: str) -> npt.NDArray[np.uint64]:
        """One column of partition ``p`` as a new array."""
        cols = [df[col].to_numpy() for df in self.batches(p)]
        return np.concatenate(cols) if cols else np.zeros(0, np.uint64)

    def partitions(self) -> Iterator[pl.DataFrame]:
        for p in range(self.count):
            df = self.read(p)
            if df is not None:
                yield df

    def cleanup(self) -> None:
        self.close()
        if self._mem is not None:
            self._mem = []
            self._release()
        self._buf = [[] for _ in range(self.parts)]
        if self._dir is not None:
            self._dir.cleanup()


def align(*spills: Spill) -> int:
    """Partitions to read the spills by together: 1 when all are in memory; else every
    spill is partitioned (they must share ``bits``)."""
    if all(s.in_memory for s in spills):
        return 1
    for s in spills:
        s.spread()
        s.close()
    return spills[0].parts


def repeated(spill: Spill, col: str) -> npt.NDArray[np.uint64]:
    """Sorted keys that occur more than once in ``col``: one partition at a time, each
    batch sorted on its own, then one range of keys at a time over slices of the batches
    (small sorts, no array of a whole partition)."""
    spill.close()
    found: list[npt.NDArray[np.uint64]] = []
    for p in range(spill.count):
        keys = [df[col].to_numpy() for df in spill.batches(p)]
        candidates = kernels.repeat_candidates(keys)
        if candidates is not None:  # only keys that share a bucket with another are sorted
            found.append(_repeats(sort_words(candidates, in_place=True)))
            continue
        cols = [sort_words(k) for k in keys]
        if not cols:
            continue
        pieces = max(1, sum(c.size for c in cols) // RANGE_ROWS)
        edges = np.arange(1, pieces, dtype=np.uint64) * np.uint64(((1 << 64) - 1) // pieces)
        at = [np.concatenate([[0], np.searchsorted(c, edges), [c.size]]) for c in cols]
        for r in range(pieces):
            found.append(_repeats(sort_words(np.concatenate(
                [c[a[r]:a[r + 1]] for c, a in zip(cols, at, strict=True)]), in_place=True)))
    return np.concatenate(found) if found else np.zeros(0, np.uint64)


def _repeats(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The keys that occur more than once in the sorted keys ``h``, each once, sorted."""
    dup = h[1:] == h[:-1]
    return np.unique(h[1:][dup])
