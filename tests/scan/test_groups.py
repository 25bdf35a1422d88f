"""Partial sums by one sort of packed keys agree with a hash group-by."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mlm_audit.scan.partials import sum_by_key, sum_by_pair


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
@pytest.mark.parametrize("spread", [3, 1 << 62])
def test_sums_by_key(n: int, spread: int) -> None:
    rng = np.random.default_rng(n + spread % 97)
    k = rng.integers(0, spread, n, dtype=np.int64).astype(np.uint64)
    v = rng.integers(-(1 << 62), 1 << 62, n, dtype=np.int64)  # running totals wrap
    c = rng.integers(1, 9, n, dtype=np.int64)
    for counts in (None, c):
        frame = pl.DataFrame({"k": k, "x": v, "n": np.ones(n, np.int64) if counts is None
                              else counts})
        want = frame.group_by("k").agg(pl.col("x").sum(), pl.col("n").sum()).sort("k")
        assert sum_by_key(k, v, counts, "x").equals(want)


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
