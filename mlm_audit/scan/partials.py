"""Accumulators that merge per-batch results: grouped sums (and their packed keys unpacked
into fact tables), issue samples, top rows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit import kernels
from mlm_audit.packsort import packed_sort, packed_words
from mlm_audit.scan.facts import BUYS, PAYS, SAMPLE_ROWS, SELLS, Sample, SampleKey
from mlm_audit.scan.spill import Budget, Spill

IDX_SHIFT = 33  # buys and sells pack (mk, kind, ext, jd) in 33 bits below the agent
# The packed group key of each fact table: column -> (shift, bits, offset), the value stored
# being value + offset (-1, "none", is stored as 0). High bits first, so the packed keys sort
# as the contract's key columns do.
Layout = dict[str, tuple[int, int, int]]
BUY_KEY: Layout = {"mk": (16, 17, 1), "kind": (13, 3, 0), "ext": (12, 1, 0), "jd": (0, 12, 1)}
SELL_KEY: Layout = {"mk": (4, 17, 1), "kind": (1, 3, 0), "ext": (0, 1, 0)}
PAY_KEY: Layout = {"mk": (44, 17, 1), "kind": (41, 3, 0), "gen": (21, 20, 1),
                   "src_kind": (17, 4, 1), "src_ext": (15, 2, 1), "sjd": (2, 13, 1),
                   "dsrc": (1, 1, 0), "cross": (0, 1, 0)}

COMPACT_ROWS = 4_000_000  # engineering default: partial rows held before a merge
MERGE_ROWS = 1_000_000  # engineering default: partial rows merged in one piece
MERGE_WORKERS = 2  # engineering default: pieces merged at a time (memory: one piece each)
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def sum_by_key(k: U64, value: I64, n: I64 | None, name: str,
               split: int | None = IDX_SHIFT) -> pl.DataFrame:
    """Sums of ``value`` and of ``n`` (row counts when None) per distinct packed key ``k``,
    sorted by ``k``: one sort, then each run of equal keys summed as the difference of
    running totals at its ends (int64 totals may wrap; the differences are still exact).
    ``split``: the bit where the key's agent field begins (:func:`_sort`); None for keys
    that come as runs already sorted (merged partials), which polars' argsort orders fastest."""
    grouped = _grouped(k, value, n, split)
    if grouped is not None:
        gk, gv, gn = grouped
        return pl.DataFrame({"k": pl.Series(gk).set_sorted(), name: gv, "n": gn})
    order, ks = _sort(k, split)
    last = np.empty(k.size, dtype=bool)  # the last row of a run of equal keys
    np.not_equal(ks[1:], ks[:-1], out=last[:-1])
    last[-1:] = True
    ends = np.flatnonzero(last)

    run = np.empty(k.size, dtype=np.int64)  # one buffer for each value column in turn

    def sums(v: I64) -> I64:
        np.take(np.asarray(v, dtype=np.int64), order, out=run, mode="clip")  # unbuffered
        if ends.size == k.size:  # every key once
            return run.copy()
        total = np.cumsum(run, out=run)[ends]
        total[1:] -= total[:-1].copy()
        return total

    counts = np.diff(ends, prepend=-1) if n is None else sums(n)
    return pl.DataFrame({"k": pl.Series(k[order[ends]]).set_sorted(), name: sums(value),
                         "n": counts.astype(np.int64, copy=False)})


def _grouped(k: U64, value: I64, n: I64 | None, split: int | None
             ) -> tuple[U64, I64, I64] | None:
    """:func:`sum_by_key` by the compiled kernel when the keys pack into words
    (:func:`_packed`): one pass over the sorted words sums each run; None otherwise."""
    if split is None or k.size < 2 or kernels.library() is None:
        return None
    packed = _packed(k, split)
    if packed is None:
        return None
    words, key_bits = packed
    got = packed_words(words, key_bits, copy=False)
    if got is None:
        return None
    return kernels.group_sums(got[0], got[1], k, value, n)


def _packed(k: U64, split: int) -> tuple[U64, int] | None:
    """The keys relative to their least upper and lower fields (:func:`_sort`), packed in a
    new array, and the bits they need."""
    hi = k >> np.uint64(split)
    lo = k & np.uint64((1 << split) - 1)
    hmin, lmin = int(hi.min()), int(lo.min())
    hbits, lbits = (int(hi.max()) - hmin).bit_length(), (int(lo.max()) - lmin).bit_length()
    if hbits + lbits > 64:
        return None
    hi -= np.uint64(hmin)
    hi <<= np.uint64(lbits)
    lo -= np.uint64(lmin)
    hi |= lo
    return hi, hbits + lbits


def _sort(k: U64, split: int | None) -> tuple[npt.NDArray[np.int64], U64]:
    """The order that sorts ``k`` (equal keys in any order), and the sorted keys or words
    that are equal where they are.

    The key is two fields, above and below bit ``split``. Taken relative to its least value,
    each usually needs far fewer bits than it has (agents of one range, the months of one
    batch); when both and the row number fit in one 64-bit word, one sort of those words
    orders the rows, several times faster than an argsort (numpy sorts plain words with
    vector instructions). The packing keeps the order of the keys: the upper field first.
    Otherwise polars' argsort, which takes a third less time than numpy's."""
    if k.size > 1 and split is not None:
        relative = _packed(k, split)
        if relative is not None:
            packed = packed_sort(relative[0], relative[1], copy=False)
            if packed is not None:
                return packed
    order = pl.Series(k, dtype=pl.UInt64).arg_sort().to_numpy()
    return order, k[order]


def sum_by_pair(idx: npt.NDArray[np.integer], rest: U64, value: I64, n: I64 | None,
                name: str, runs: bool = False) -> pl.DataFrame:
    """:func:`sum_by_key` for the key (``idx``, ``rest``), sorted by both. The distinct
    values of ``rest`` are few (months x kinds x ...): numbered in order, they pack with the
    agent into one word that sorts the same way."""
    codes = np.sort(pl.Series(rest, dtype=pl.UInt64).unique().to_numpy())
    k = (((np.asarray(idx).astype(np.int64) + 1).astype(np.uint64) << np.uint64(32))
         | np.searchsorted(codes, rest).astype(np.uint64))
    g = sum_by_key(k, value, n, name, split=None if runs else 32)
    k = g["k"].to_numpy()
    return pl.DataFrame({
        "idx": ((k >> np.uint64(32)).astype(np.int64) - 1).astype(np.int32),
        "rest": codes[(k & np.uint64(0xFFFF_FFFF)).astype(np.int64)],
        name: g[name], "n": g["n"]})


class Groups:
    """Sums of ``value`` and row counts ``n`` per group key over many batches.

    With ``bits`` > 0 the partial rows are spilled (:class:`Spill`): held in memory while
    the scan's ``budget`` has room, beyond it on disk in ranges of agents; either way they
    are merged one range of keys at a time at the end (in memory, ranges are slices of the
    partials when each comes sorted by its first key), so memory holds one range of partial
    rows, not all of them.
    """

    def __init__(self, value: str, keys: tuple[str, ...] = ("idx", "rest"), bits: int = 0,
                 agents: int = 0, budget: Budget | None = None) -> None:
        self.value = value
        self.keys = list(keys)
        self.parts: list[pl.DataFrame] = []
        self.pending = 0  # rows in parts not yet merged
        self.merged = 0
        self.agents = agents
        self.spill = Spill(keys[0], bits, budget=budget, part=self._range) if bits else None
        self.sorted = True  # every partial sorted by its first key

    @property
    def in_memory(self) -> bool:
        """No partial row has gone to disk (so far)."""
        return self.spill is None or self.spill.in_memory

    def add(self, part: pl.DataFrame) -> None:
        if part.height == 0:
            return
        if self.spill is not None:
            lead = part[self.keys[0]].to_numpy()
            self.sorted = self.sorted and bool((lead[1:] >= lead[:-1]).all())
            self.spill.add(part)
            return
        # merging once the new rows reach half the merged ones keeps both the transient
        # memory (at most 1.5x the groups) and the total work (3 rows per new row) bounded
        self.parts.append(part)
        self.pending += part.height
        if self.pending > max(COMPACT_ROWS, self.merged // 2):
            self._merge()

    def _range(self, part: pl.DataFrame) -> npt.NDArray[np.uint64]:
        """The agent range of each row, in the top bits (where the spill partitions)."""
        assert self.spill is not None
        if "idx" in part.columns:
            idx1 = part["idx"].to_numpy().astype(np.int64) + 1
        else:
            idx1 = (part["k"].to_numpy() >> np.uint64(IDX_SHIFT)).astype(np.int64)
        rng = idx1 * self.spill.parts // (self.agents + 1)
        return rng.astype(np.uint64) << np.uint64(64 - self.spill.bits)

    def _merge(self) -> None:
        if len(self.parts) > 1:
            self.parts = [self._group(pl.concat(self.parts))]
        self.merged = self.parts[0].height if self.parts else 0
        self.pending = 0

    def _group(self, df: pl.DataFrame) -> pl.DataFrame:
        """Sums per group, sorted by the keys."""
        value, n = df[self.value].to_numpy(), df["n"].to_numpy()
        if self.keys == ["k"]:
            return sum_by_key(df["k"].to_numpy(), value, n, self.value, split=None)
        return sum_by_pair(df["idx"].to_numpy(), df["rest"].to_numpy(), value, n, self.value,
                           runs=True)

    def _slices(self, parts: list[pl.DataFrame]) -> list[pl.DataFrame]:
        """Partials sorted by their first key, merged one range of it at a time: each range
        is a slice of every partial (found by binary search), so sorts stay small."""
        if not parts:
            return []
        lead = [p[self.keys[0]].to_numpy() for p in parts]
        rows = sum(a.size for a in lead)
        sample = np.sort(np.concatenate([a[:: max(1, a.size // 64)] for a in lead]))
        cuts = np.unique(sample[np.linspace(0, sample.size, max(2, rows // MERGE_ROWS + 1),
                                            endpoint=False, dtype=np.int64)[1:]])
        at = [np.concatenate([[0], np.searchsorted(a, cuts), [a.size]]) for a in lead]

        def merged(r: int) -> pl.DataFrame:
            piece = [p.slice(int(a[r]), int(a[r + 1] - a[r])) for p, a in zip(parts, at,
                                                                            strict=True)]
            return self._group(pl.concat(piece))

        if cuts.size == 0:
            return [merged(0)]
        # the ranges are independent and their work (numpy, polars) runs without the
        # interpreter lock: two at a time keep two cores busy where the merge is the only work
        with ThreadPoolExecutor(MERGE_WORKERS, thread_name_prefix="mlm-audit-merge") as pool:
            return list(pool.map(merged, range(cuts.size + 1)))

    def cleanup(self) -> None:
        if self.spill is not None:
            self.spill.cleanup()
        self.parts = []

    def result(self) -> pl.DataFrame:
        """The merged groups, sorted by their keys."""
        if self.spill is not None:
            self.spill.close()
            if self.spill.in_memory and self.sorted:
                ranges = self._slices(list(self.spill.batches(0)))
            else:  # sorted ranges of agents, in order: sorted
                ranges = [self._group(df) for df in self.spill.partitions()]
            self.spill.cleanup()
            self.parts = [pl.concat(ranges)] if ranges else []
        else:
            self._merge()
            self.parts = [p.sort(self.keys) for p in self.parts]
        if not self.parts:
            keys = {"idx": pl.Int32, "rest": pl.UInt64, "k": pl.UInt64}
            return pl.DataFrame(schema={**{k: keys[k] for k in self.keys},
                                        self.value: pl.Int64, "n": pl.Int64})
        return self.parts[0]


def owned(rows: pl.DataFrame) -> pl.DataFrame:
    """A few rows of a batch in buffers of their own. Rows taken from a batch (a gather, a
    filter, a slice) share its text buffers: a sample of three rows would hold the batch's
    whole text columns in memory (tens of MB) for the rest of the scan. A round trip through
    Arrow's plain strings copies only the rows' own values."""
    return cast(pl.DataFrame, pl.from_arrow(rows.to_arrow(compat_level=pl.CompatLevel.oldest())))


class Samples:
    """Exact counts and the first offending rows per issue, batches arriving in row order."""

    def __init__(self) -> None:
        self.counts: dict[SampleKey, int] = {}
        self.rows: dict[SampleKey, list[pl.DataFrame]] = {}
        self.kept: dict[SampleKey, int] = {}

    def add(self, key: SampleKey, rows: pl.DataFrame) -> None:
        if rows.height == 0:
            return
        self.counts[key] = self.counts.get(key, 0) + rows.height
        room = SAMPLE_ROWS - self.kept.get(key, 0)
        if room > 0:
            self.rows.setdefault(key, []).append(owned(rows.head(room)))
            self.kept[key] = self.kept.get(key, 0) + min(room, rows.height)

    def add_mask(self, key: SampleKey, frame: pl.DataFrame, mask: npt.NDArray[np.bool_]
                 ) -> None:
        """``add(frame.filter(mask))``, taking only the rows the sample still has room for."""
        count = int(np.count_nonzero(mask))
        if count == 0:
            return
        room = SAMPLE_ROWS - self.kept.get(key, 0)
        self.counts[key] = self.counts.get(key, 0) + count
        if room > 0:
            rows = owned(frame[np.flatnonzero(mask)[:room]])
            self.rows.setdefault(key, []).append(rows)
            self.kept[key] = self.kept.get(key, 0) + rows.height

    def result(self) -> dict[SampleKey, Sample]:
        return {k: Sample(c, pl.concat(self.rows[k], how="vertical_relaxed"))
                for k, c in sorted(self.counts.items())}


class TopRows:
    """The ``k`` cross-line payouts with the largest amounts (ties: payout id ascending)."""

    COLS = ("payout_id", "_row", "recipient_idx", "source_idx", "recipient_id",
            "source_agent_id", "amount", "kind")

    def __init__(self, k: int) -> None:
        self.k = k
        self.top: pl.DataFrame | None = None

    def add(self, rows: pl.DataFrame) -> None:
        if rows.height == 0 or self.k == 0:
            return
        rows = rows.select(self.COLS)
        both = rows if self.top is None else pl.concat([self.top, rows])
        self.top = owned(both.sort(["amount", "payout_id"], descending=[True, False])
                         .head(self.k))

    def result(self) -> pl.DataFrame:
        from mlm_audit.scan.facts import CROSS_TOP

        if self.top is None:
            return pl.DataFrame(schema=CROSS_TOP)
        return self.top.select([pl.col(c).cast(t) for c, t in CROSS_TOP.items()])


def _field(rest: U64, shift: int, bits: int, dtype: pl.DataType, offset: int = 0
           ) -> npt.NDArray[Any]:
    """The field of ``bits`` bits at ``shift`` of each packed key, minus ``offset``, in the
    contract's type (one scratch word array, then the narrow result)."""
    word = rest >> np.uint64(shift) if shift else rest.copy()
    word &= np.uint64((1 << bits) - 1)
    if dtype == pl.Boolean:
        return word.astype(bool)
    out = word.astype(_NUMPY[dtype])
    if offset:
        out -= offset
    return out


_NUMPY: dict[pl.DataType, type[np.generic]] = {
    pl.Int8(): np.int8, pl.Int16(): np.int16, pl.Int32(): np.int32, pl.Int64(): np.int64}


def _finish(g: pl.DataFrame, fields: Layout,
            schema: dict[str, pl.DataType], value: str) -> pl.DataFrame:
    """Unpacked columns in contract order and types. ``fields``: (shift, bits, offset) of
    each key column in the packed ``rest``. ``g`` comes sorted by its packed keys, whose bit
    order is the order of the contract's key columns: no sort is needed here."""
    if "idx" in g.columns:
        idx = g["idx"].cast(pl.Int32)
        rest = g["rest"].to_numpy()
    else:
        k = g["k"].to_numpy()
        idx = pl.Series((k >> np.uint64(IDX_SHIFT)).astype(np.int32) - 1)
        rest = k
    cols = {c: _field(rest, *fields[c][:2], schema[c], fields[c][2]) for c in fields}
    df = pl.DataFrame({"idx": idx, **cols, value: g[value], "n": g["n"]})
    return df.select([pl.col(c).cast(t) for c, t in schema.items()])


def unpack_buys(g: pl.DataFrame) -> pl.DataFrame:
    return _finish(g, BUY_KEY, BUYS, "net")


def unpack_sells(g: pl.DataFrame) -> pl.DataFrame:
    return _finish(g, SELL_KEY, SELLS, "net")


def unpack_pays(g: pl.DataFrame) -> pl.DataFrame:
    return _finish(g, PAY_KEY, PAYS, "amount")
