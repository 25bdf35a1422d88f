"""Sums per (agent, period key) over the runs of a sorted fact table.

The fact tables come sorted by their keys, ``idx`` then ``mk`` first (docs/scans.md), and
every period key is monotone in the month key, so the rows of one (agent, period) form one
contiguous run: group boundaries come from comparing neighbouring rows and sums from
``np.add.reduceat``, with no sort and no hash group-by. Two tables meet by binary search of
one's keys in the other's, without building the union of their keys. A table that is not
sorted (one built by hand) is sorted first.

A run's key is ``(idx + 1) << 32 | (pk + 1)`` in int64 (``pk`` -1: undated), so keys order
as (``idx``, ``pk``) for any int32 ``idx`` and ``pk``.
"""

from __future__ import annotations

import sys
import threading
import weakref
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit import kernels
from mlm_audit.metrics.once import Once
from mlm_audit.metrics.periods import Window

I64 = npt.NDArray[np.int64]
KEEP_ROWS = 8_000_000  # engineering default: larger tables' runs are found per use, not kept


def period_keys(mk: npt.NDArray[np.integer], window: Window) -> npt.NDArray[np.int32]:
    """:func:`mlm_audit.metrics.periods.month_period` over an array of month keys."""
    m = mk.astype(np.int32, copy=False)
    if window == "all":
        return np.zeros(m.size, np.int32)
    key = m if window == "month" else m // (3 if window == "quarter" else 12)
    if m.size and int(m.min()) < -1:  # month keys are -1 when undated; anything lower too
        key = np.where(m < 0, np.int32(-1), key)
    return key


def among(codes: npt.NDArray[np.integer], wanted: list[int]) -> npt.NDArray[np.bool_]:
    """``codes`` in ``wanted`` (small non-negative kind codes) by table lookup, not a sort."""
    table = np.zeros(256, dtype=bool)
    table[wanted] = True
    return table[codes.astype(np.uint8, copy=False)]


class Runs:
    """The runs of equal (``idx``, period key) of a fact table sorted by (``idx``, ``mk``).

    ``keys``: one per run, strictly increasing; ``sum(values)``: per-run sums of a column
    given in the table's row order. Use :meth:`of` for the runs of a table several views
    read (the fact tables): they are found once."""

    @classmethod
    def of(cls, df: pl.DataFrame, window: Window) -> Runs:
        """The runs of ``df``, found once per frame and window while the frame lives (fact
        tables are never changed in place); a second caller, a rule running beside the
        first, waits for them rather than finding them again."""
        if df.height > KEEP_ROWS:
            return cls(df, window)
        key = (id(df), window)
        runs: Runs = _SHARED.get(key, lambda: cls(df, window),
                                  lambda: weakref.finalize(df, _SHARED.forget, key))
        return runs

    def __init__(self, df: pl.DataFrame, window: Window) -> None:
        idx = df["idx"].to_numpy()
        pk = period_keys(df["mk"].to_numpy(), window)
        self.order: I64 | None = None
        if idx.size > 1 and not _ascending(idx, pk):  # not as the scans sort
            self.order = np.argsort(key_of(idx, pk), kind="stable")
            idx, pk = idx[self.order], pk[self.order]
        # boundaries from the int32 columns: no 64-bit key per row
        first = np.empty(idx.size, dtype=bool)
        first[:1] = True
        np.not_equal(idx[1:], idx[:-1], out=first[1:])
        first[1:] |= pk[1:] != pk[:-1]
        self.starts = np.flatnonzero(first)
        self.keys: I64 = key_of(idx[self.starts], pk[self.starts])
        self._scratch = threading.local()  # one masked-values buffer per thread

    @property
    def size(self) -> int:
        return int(self.keys.size)

    def sum(self, values: npt.NDArray[Any], where: npt.NDArray[np.bool_] | None = None,
            out: I64 | None = None) -> I64:
        """Exact int64 sums per run of ``values`` (given in the table's row order), counting
        only rows where ``where`` holds, into ``out`` if given. Masked values go through one
        scratch buffer, reused from column to column: fresh multi-megabyte arrays cost page
        faults."""
        if self.starts.size == 0:
            return np.zeros(0, np.int64) if out is None else out
        if self.order is not None:
            values = values[self.order]
            where = None if where is None else where[self.order]
        compiled = kernels.run_sums(values, self.starts, where, out)
        if compiled is not None:  # the same sums in one pass in C
            return compiled
        if where is None:
            return np.add.reduceat(values.astype(np.int64, copy=False), self.starts, out=out)
        buf = getattr(self._scratch, "buf", None)
        if buf is None:
            buf = self._scratch.buf = np.empty(values.size, np.int64)
        np.multiply(values, where, out=buf)
        return np.add.reduceat(buf, self.starts, out=out)

    def any(self, mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Runs holding a row where ``mask`` holds."""
        if self.starts.size == 0:
            return np.zeros(0, bool)
        m = mask if self.order is None else mask[self.order]
        return np.logical_or.reduceat(m, self.starts)


_SHARED = Once()  # runs of the fact tables, by (id of the frame, window) while it lives


def _ascending(idx: npt.NDArray[np.integer], pk: npt.NDArray[np.integer]) -> bool:
    """Rows sorted by (idx, pk)."""
    if bool((idx[1:] < idx[:-1]).any()):
        return False
    return not bool(((pk[1:] < pk[:-1]) & (idx[1:] == idx[:-1])).any())


def key_of(idx: npt.NDArray[np.integer], pk: npt.NDArray[np.integer]) -> I64:
    """Run keys of (agent, period key) pairs."""
    key = np.asarray(idx).astype(np.int64)
    key += 1
    key <<= 32
    key += np.asarray(pk)
    key += 1
    return key


def _halves(keys: I64) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """High and low 32 bits of the keys as int32 views (no 64-bit temporaries)."""
    words = keys.view(np.int32)
    return (words[1::2], words[0::2]) if sys.byteorder == "little" else (words[::2], words[1::2])


def idx_of(keys: I64) -> npt.NDArray[np.int32]:
    return np.subtract(_halves(keys)[0], 1, dtype=np.int32)


def pk_of(keys: I64) -> npt.NDArray[np.int32]:
    return np.subtract(_halves(keys)[1], 1, dtype=np.int32)


def decode(*keys: I64) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """``idx`` and ``pk`` of several key arrays, one after the other (no joined keys)."""
    n = sum(k.size for k in keys)
    idx, pk = np.empty(n, np.int32), np.empty(n, np.int32)
    at = 0
    for k in keys:
        hi, lo = _halves(k)
        np.subtract(hi, 1, out=idx[at:at + k.size])
        np.subtract(lo, 1, out=pk[at:at + k.size])
        at += k.size
    return idx, pk


def dated(keys: I64) -> npt.NDArray[np.bool_]:
    """Keys with a period (``pk`` >= 0)."""
    return _halves(keys)[1] > 0


def find(keys: I64, wanted: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Where the ``wanted`` keys sit in ``keys`` (both strictly increasing): positions of
    those present, and which are."""
    if keys.size == 0:
        return np.zeros(0, np.int64), np.zeros(wanted.size, bool)
    j = np.searchsorted(keys, wanted)
    np.minimum(j, keys.size - 1, out=j)
    hit = keys[j] == wanted
    return j[hit], hit


def match(a: I64, b: I64) -> tuple[I64, I64]:
    """Index pairs (i, j) with ``a[i] == b[j]`` (both strictly increasing); the shorter
    array is searched in the longer."""
    if b.size <= a.size:
        pos, hit = find(a, b)
        return pos, np.flatnonzero(hit)
    pos, hit = find(b, a)
    return np.flatnonzero(hit), pos


def gather(keys: I64, other: I64, values: I64) -> I64:
    """At each of ``keys``: the value of the same key in (``other``, ``values``), else 0."""
    out = np.zeros(keys.size, np.int64)
    i, j = match(keys, other)
    out[i] = values[j]
    return out
