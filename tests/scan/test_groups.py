"""Partial sums by one sort of packed keys agree with a hash group-by."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mlm_audit.scan import partials
from mlm_audit.scan.facts import BUYS, PAYS, SELLS
from mlm_audit.scan.partials import sum_by_key, sum_by_pair


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
@pytest.mark.parametrize("spread", [3, 1 << 40, 1 << 62])
@pytest.mark.parametrize("split", [0, 17, 33, None])
def test_sums_by_key(n: int, spread: int, split: int | None) -> None:
    """Whatever the split, whether the packed words fit (small spreads) or an argsort is
    needed (wide ones): the same sums."""
    rng = np.random.default_rng(n + spread % 97)
    k = rng.integers(0, spread, n, dtype=np.int64).astype(np.uint64)
    v = rng.integers(-(1 << 62), 1 << 62, n, dtype=np.int64)  # running totals wrap
    c = rng.integers(1, 9, n, dtype=np.int64)
    for counts in (None, c):
        frame = pl.DataFrame({"k": k, "x": v, "n": np.ones(n, np.int64) if counts is None
                              else counts})
        want = frame.group_by("k").agg(pl.col("x").sum(), pl.col("n").sum()).sort("k")
        assert sum_by_key(k, v, counts, "x", split).equals(want)


def test_sums_by_pair_sort_by_agent_then_rest() -> None:
    rng = np.random.default_rng(5)
    idx = rng.integers(-1, 50, 3000).astype(np.int32)
    rest = rng.choice(np.array([7, 1 << 60, 3, (1 << 61) - 1], dtype=np.uint64), 3000)
    v = rng.integers(-100, 100, 3000, dtype=np.int64)
    got = sum_by_pair(idx, rest, v, None, "amount")
    want = (pl.DataFrame({"idx": idx, "rest": rest, "amount": v})
            .group_by("idx", "rest").agg(pl.col("amount").sum(), pl.len().cast(pl.Int64)
                                         .alias("n")).sort("idx", "rest"))
    assert got.equals(want)
    assert got["idx"].min() == -1


@pytest.mark.parametrize("layout,schema,value", [
    (partials.BUY_KEY, BUYS, "net"), (partials.SELL_KEY, SELLS, "net"),
    (partials.PAY_KEY, PAYS, "amount")])
def test_packed_keys_give_back_every_field_at_its_extremes(layout, schema, value) -> None:
    """Each field round-trips through the packed key at its smallest value (-1 where the
    field has an offset, "none") and at the largest its bits hold, in the contract's type,
    and the packed keys sort as the key columns do."""
    from mlm_audit.scan.derive import _key, pack

    rows = []
    for c, (_shift, bits, offset) in layout.items():
        for v in (-offset, (1 << bits) - 1 - offset):
            row = {f: -o for f, (_s, _b, o) in layout.items()}
            row[c] = v
            rows.append(row)
    cols = {("kcode" if c == "kind" else c): np.array([r[c] for r in rows]) for c in layout}
    idx = np.arange(len(rows), dtype=np.int64)[::-1] % 3
    rest = _key(cols, layout)
    ones = np.ones(len(rows), np.int64)
    if layout is not partials.PAY_KEY:  # buys and sells fold the agent into the key
        g = pl.DataFrame({"k": rest | pack([(idx, partials.IDX_SHIFT, 1)]), value: ones,
                          "n": ones})
    else:
        g = pl.DataFrame({"idx": pl.Series(idx, dtype=pl.Int32), "rest": rest, value: ones,
                          "n": ones})
    out = partials._finish(g, layout, schema, value)
    assert out.schema == pl.Schema(schema)
    assert out["idx"].to_list() == idx.tolist()
    for c in layout:
        assert out[c].cast(pl.Int64).to_list() == [int(r[c]) for r in rows], c
    order = np.argsort(rest, kind="stable")
    want = sorted(range(len(rows)), key=lambda i: tuple(rows[i][c] for c in layout))
    assert order.tolist() == want


@pytest.mark.parametrize("share_of_none", [0.0, 0.5, 0.99, 1.0])
def test_rows_of_no_agent_group_as_the_sort_groups_them(share_of_none: float) -> None:
    """Sales of no agent (seller -1) take the hash group-by when they are many: the partial
    is the one the sort of every row gives, sorted, the no-agent keys first."""
    from mlm_audit.scan import derive
    from mlm_audit.scan.partials import IDX_SHIFT

    rng = np.random.default_rng(int(share_of_none * 100))
    n = 3 * derive.NO_AGENT_ROWS
    idx = np.where(rng.random(n) < share_of_none, -1, rng.integers(0, 9000, n)).astype(np.int32)
    rest = (rng.integers(0, 19, n).astype(np.uint64) << np.uint64(4)) | rng.integers(
        0, 8, n).astype(np.uint64)
    value = pl.Series(rng.integers(-(1 << 40), 1 << 40, n))
    got = derive._part(idx, rest.copy(), value, "net", True)
    folded = rest | derive.pack([(idx, IDX_SHIFT, 1)])
    want = (pl.DataFrame({"k": folded, "net": value}).group_by("k")
            .agg(pl.col("net").sum(), pl.len().cast(pl.Int64).alias("n")).sort("k"))
    assert got.equals(want)
    assert got["k"].is_sorted()
