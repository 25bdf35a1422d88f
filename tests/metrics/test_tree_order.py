"""The packed stable order equals numpy's stable argsort, on keys that fit and keys that do
not (which take the argsort)."""

from __future__ import annotations

import numpy as np
import pytest

from mlm_audit.metrics.tree import stable_order


@pytest.mark.parametrize("n,lo,hi", [(0, 0, 1), (1, 5, 6), (1000, -1, 3), (5000, 0, 1 << 20),
                                     (300, -(1 << 40), 1 << 40)])
def test_stable_order_is_the_stable_argsort(n: int, lo: int, hi: int) -> None:
    keys = np.random.default_rng(n).integers(lo, hi, n)
    for k in (keys, keys.astype(np.int32) if hi < 1 << 31 and lo > -(1 << 31) else keys):
        got = stable_order(k)
        assert got.dtype == np.int32
        assert got.tolist() == np.argsort(k, kind="stable").tolist()
