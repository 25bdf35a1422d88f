"""Preorder intervals answer gen(upper, lower) exactly as binary lifting does."""

from __future__ import annotations

import numpy as np

from mlm_audit.metrics import tree


def _forest(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parent = np.full(n, -1, dtype=np.int32)
    for i in range(1, n):
        r = rng.random()
        parent[i] = -1 if r < 0.05 else (rng.integers(0, n) if r > 0.95 else rng.integers(0, i))
    parent[3], parent[4] = 4, 3  # a sponsor cycle (unrooted agents)
    return parent


def test_preorder_intervals_match_lifting() -> None:
    parent = _forest(2000, 5)
    level, rooted = tree.levels(parent)
    size = tree.subtree_reduce(parent, level, rooted.astype(np.int64))
    pre = tree.preorder(parent, level, size)
    assert (pre[~rooted] == -1).all()
    assert sorted(pre[rooted].tolist()) == list(range(int(rooted.sum())))
    rng = np.random.default_rng(1)
    up = np.concatenate([rng.integers(-1, 2000, 50000), tree.ancestor_at(parent, 3)])
    low = np.concatenate([rng.integers(-1, 2000, 50000), np.arange(2000)])
    lifted = tree.generation(parent, level, up, low)
    fast = tree.generation(parent, level, up, low, (pre, size))
    assert (fast == lifted).all()
    assert (fast == 3).sum() > 0 and (fast == -1).sum() > 0


def test_preorder_chain() -> None:
    parent = np.array([-1, 0, 1, 0], dtype=np.int32)  # 0 -> 1 -> 2, and 0 -> 3
    level, rooted = tree.levels(parent)
    size = tree.subtree_reduce(parent, level, rooted.astype(np.int64))
    assert tree.preorder(parent, level, size).tolist() == [0, 1, 2, 3]
    g = tree.generation(parent, level, np.array([0, 1, 3, 2]), np.array([2, 2, 2, 2]),
                        (tree.preorder(parent, level, size), size))
    assert g.tolist() == [2, 1, -1, 0]
