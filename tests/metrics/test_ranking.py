"""The first k of a ranking equal the head of a full stable sort, ties and all."""

from __future__ import annotations

import numpy as np
import pytest

from mlm_audit.metrics.ranking import first_k


@pytest.mark.parametrize("n,k,spread", [(0, 5, 10), (10, 0, 10), (10, 20, 10), (1000, 20, 3),
                                        (1000, 20, 10**9), (5000, 1, 2), (5000, 4999, 50)])
def test_first_k_is_the_head_of_a_stable_sort(n: int, k: int, spread: int) -> None:
    keys = np.random.default_rng(n + k).integers(-spread, spread, n)
    assert first_k(keys, k).tolist() == np.argsort(keys, kind="stable")[:k].tolist()
