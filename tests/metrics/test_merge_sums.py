"""Per-(idx, pk) merges and order flows against a plain polars group-by oracle."""

from __future__ import annotations

import numpy as np
import polars as pl

from mlm_audit.metrics.groups import merge_sums


def _oracle(frames: list[pl.DataFrame], cols: tuple[str, ...]) -> pl.DataFrame:
    stacked = pl.concat([f.select("idx", "pk", *(
        pl.col(c) if c in f.columns else pl.lit(0, dtype=pl.Int64).alias(c) for c in cols))
        for f in frames])
    return stacked.group_by("idx", "pk").agg(pl.col(c).sum().cast(pl.Int64) for c in cols
                                             ).sort("idx", "pk")


def test_merge_sums_matches_group_by() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        frames = []
        for _ in range(int(rng.integers(1, 4))):
            n = int(rng.integers(0, 30))
            f = pl.DataFrame({
                "idx": rng.integers(-1, 6, n).astype(np.int32),
                "pk": rng.integers(-1, 5, n).astype(np.int32),
                "a": rng.integers(-9, 9, n), "b": rng.integers(0, 9, n),
            })
            if rng.random() < 0.7:  # one row per key: the linear merge
                f = f.unique(["idx", "pk"])
            if rng.random() < 0.3:
                f = f.drop("b")
            frames.append(f)
        assert merge_sums(frames, ("a", "b")).equals(_oracle(frames, ("a", "b")))


def test_merge_sums_disjoint_and_shared_keys() -> None:
    a = pl.DataFrame({"idx": [0, 2], "pk": [5, 5], "x": [1, 2]},
                     schema={"idx": pl.Int32, "pk": pl.Int32, "x": pl.Int64})
    b = pl.DataFrame({"idx": [2, 1], "pk": [5, 3], "y": [10, 20]},
                     schema={"idx": pl.Int32, "pk": pl.Int32, "y": pl.Int64})
    got = merge_sums([a, b], ("x", "y"))
    assert got.rows() == [(0, 5, 1, 0), (1, 3, 0, 20), (2, 5, 2, 10)]
