"""Exact int64 sums per (agent, period key) over millions of rows, without hash group-bys.

Rows are grouped through one sort of a composite int64 key; sums are prefix sums differenced
at group ends; tables that already hold one row per key merge by binary search. Every
output is sorted by (``idx``, ``pk``). Fresh multi-megabyte arrays are avoided where a
scratch buffer can be reused: on large inputs their page faults cost more than the
arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl


class SortedGroups:
    """Rows grouped by (idx, pk) through one sort of a composite key; sums are segment sums
    over the sorted rows: exact in int64, and cheaper and steadier than a hash group-by
    with millions of groups. Groups come out sorted by (idx, pk).

    ``runs``: the rows are a few runs each already sorted (tables this class produced):
    a stable sort merges them in linear time."""

    def __init__(self, idx: npt.NDArray[np.integer], pk: npt.NDArray[np.integer],
                 runs: bool = False) -> None:
        lo = int(pk.min()) if pk.size else 0
        span = int(pk.max()) - lo + 1 if pk.size else 1
        key = idx.astype(np.int64)  # in place from here: fewer multi-megabyte temporaries
        key *= span
        key += pk
        key -= lo
        self.order = np.argsort(key, kind="stable" if runs else None)
        ks = key[self.order]
        first = np.ones(ks.size, dtype=bool)
        first[1:] = ks[1:] != ks[:-1]
        self.starts = np.flatnonzero(first)
        self.ends = np.empty_like(self.starts)
        if self.starts.size:
            np.subtract(self.starts[1:], 1, out=self.ends[:-1])
            self.ends[-1] = ks.size - 1
        self._totals: npt.NDArray[np.int64] | None = None
        uk = ks[self.starts]
        self.keys = {"idx": (uk // span).astype(np.int32), "pk": (uk % span + lo).astype(np.int32)}

    def take(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Values in sorted (grouped) row order."""
        return values[self.order]

    def sums(self, sorted_values: npt.NDArray[Any], scratch: bool = False) -> npt.NDArray[np.int64]:
        """Per-group sums of values in sorted row order: prefix sums differenced at group
        ends (exact in int64: wrap-around cancels in the differences). With ``scratch``
        the int64 input is overwritten instead of copied."""
        if self.starts.size == 0:
            return np.zeros(0, dtype=np.int64)
        v = sorted_values if scratch and sorted_values.dtype == np.int64 else (
            sorted_values.astype(np.int64))
        np.cumsum(v, out=v)
        if self._totals is None:  # reused: each fresh array costs page faults
            self._totals = np.empty(self.ends.size, dtype=np.int64)
        totals = np.take(v, self.ends, out=self._totals, mode="clip")  # unbuffered
        out = np.empty_like(totals)
        out[0] = totals[0]
        np.subtract(totals[1:], totals[:-1], out=out[1:])
        return out

    def frame_sorted(self, sorted_cols: dict[str, npt.NDArray[Any]]) -> pl.DataFrame:
        """Group sums of columns given in sorted row order."""
        return pl.DataFrame({**self.keys, **{c: self.sums(v) for c, v in sorted_cols.items()}})


def group_sums(
    idx: npt.NDArray[np.integer], pk: npt.NDArray[np.integer],
    cols: dict[str, npt.NDArray[np.int64]], runs: bool = False,
) -> pl.DataFrame:
    """Exact int64 sums of ``cols`` per (idx, pk), sorted by (idx, pk)."""
    g = SortedGroups(idx, pk, runs)
    return g.frame_sorted({c: g.take(np.asarray(v)) for c, v in cols.items()})


def merge_sums(frames: list[pl.DataFrame], cols: tuple[str, ...]) -> pl.DataFrame:
    """Outer-merge per-(idx, pk) tables, absent figures counting as 0, sorted by (idx, pk).

    Tables with one row per key merge in linear time (each sorted unless it already is,
    then interleaved by binary search: no hash join, no sort of the union); others are
    summed per key."""
    if not frames:
        return pl.DataFrame(schema={"idx": pl.Int32, "pk": pl.Int32}
                            | {c: pl.Int64 for c in cols})
    tables = [f.select("idx", "pk", *(c for c in cols if c in f.columns)) for f in frames]
    pks = [t["pk"].to_numpy() for t in tables]
    lo = min((int(p.min()) for p in pks if p.size), default=0)
    span = max((int(p.max()) for p in pks if p.size), default=lo) - lo + 1
    keys: list[npt.NDArray[np.int64]] = []
    orders: list[npt.NDArray[np.int64] | None] = []
    for t, p in zip(tables, pks, strict=True):
        k = t["idx"].to_numpy().astype(np.int64)
        k *= span
        k += p
        k -= lo
        order = None
        if k.size > 1 and not bool((k[1:] > k[:-1]).all()):
            order = np.argsort(k, kind="stable")
            k = k[order]
        keys.append(k)
        orders.append(order)
    if any(k.size > 1 and not bool((k[1:] > k[:-1]).all()) for k in keys):
        stacked = pl.concat([t.select("idx", "pk", *(
            pl.col(c) if c in t.columns else pl.lit(0, dtype=pl.Int64).alias(c)
            for c in cols)) for t in tables])
        return group_sums(stacked["idx"].to_numpy(), stacked["pk"].to_numpy(),
                          {c: stacked[c].to_numpy() for c in cols})
    # where each table's (sorted) rows land in the union; None: the union is the table
    merged = keys[0]
    at: list[npt.NDArray[np.int64] | None] = [None]
    for k in keys[1:]:
        merged, pos_old, pos_new = interleave(merged, k)
        at = [*(pos_old if a is None else pos_old[a] for a in at), pos_new]
    out: dict[str, Any] = {"idx": (merged // span).astype(np.int32),
                           "pk": (merged % span + lo).astype(np.int32)}
    for c in cols:
        v = np.zeros(merged.size, dtype=np.int64)
        first = True
        for t, a, order in zip(tables, at, orders, strict=True):
            if c not in t.columns:
                continue
            col = t[c].to_numpy()
            if order is not None:
                col = col[order]
            if a is None:
                v[:] = col
            elif first:  # positions are unique within a table: a plain scatter
                v[a] = col
            else:
                v[a] += col
            first = False
        out[c] = v
    return pl.DataFrame(out)


def interleave(
    ka: npt.NDArray[np.int64], kb: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Union of two strictly increasing key arrays and where each input lands in it."""
    j = np.searchsorted(ka, kb)
    hit = j < ka.size
    hit[hit] = ka[j[hit]] == kb[hit]
    new = kb[~hit]
    pos_a = np.arange(ka.size) + np.searchsorted(new, ka)
    pos_b = np.empty(kb.size, dtype=np.int64)
    pos_b[hit] = pos_a[j[hit]]
    pos_b[~hit] = np.searchsorted(ka, new) + np.arange(new.size)
    union = np.empty(ka.size + new.size, dtype=np.int64)
    union[pos_a] = ka
    union[pos_b] = kb
    return union, pos_a, pos_b
