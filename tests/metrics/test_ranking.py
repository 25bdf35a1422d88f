"""The first k of a ranking equal the head of a full stable sort, ties and all."""

from __future__ import annotations

import numpy as np
import pytest

from mlm_audit import packsort
from mlm_audit.metrics.ranking import first_k, kth_smallest, sum_of_largest


@pytest.mark.parametrize("n,k,spread", [(0, 5, 10), (10, 0, 10), (10, 20, 10), (1000, 20, 3),
                                        (1000, 20, 10**9), (5000, 1, 2), (5000, 4999, 50),
                                        (20_000, 7, 10**6)])
def test_first_k_is_the_head_of_a_stable_sort(n: int, k: int, spread: int) -> None:
    keys = np.random.default_rng(n + k).integers(-spread, spread, n)
    assert first_k(keys, k).tolist() == np.argsort(keys, kind="stable")[:k].tolist()


@pytest.mark.parametrize("numpy_fast", [True, False])
@pytest.mark.parametrize("n,spread", [(50, 5), (3000, 10**9), (20_000, 3), (20_000, 10**12)])
def test_kth_smallest_and_sum_of_largest_match_a_full_sort(
        n: int, spread: int, numpy_fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packsort, "numpy_sorts_fast", lambda: numpy_fast)
    values = np.random.default_rng(n).integers(-spread, spread, n)
    ordered = np.sort(values)
    for k in (1, 2, n // 100 + 1, n // 2, n):
        assert kth_smallest(values, k) == ordered[k - 1]
        assert sum_of_largest(values, k) == ordered[n - k:].sum()
    assert sum_of_largest(values, n + 5) == values.sum()
