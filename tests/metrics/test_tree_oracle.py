"""Tree metrics against networkx on seeded random forests (with and without cycles)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from mlm_audit.metrics import tree


def random_forest(n: int, roots: int, seed: int) -> np.ndarray:
    """Random recursive forest, then relabelled so sponsors may come after their recruits."""
    rng = np.random.default_rng(seed)
    parent = np.floor(rng.random(n) * np.arange(n)).astype(np.int64)
    parent[:roots] = -1
    perm = rng.permutation(n)  # new label of old node
    out = np.full(n, -1, dtype=np.int32)
    out[perm] = np.where(parent >= 0, perm[np.maximum(parent, 0)], -1)
    return out


def graph(parent: np.ndarray) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(parent.size))
    g.add_edges_from((int(p), i) for i, p in enumerate(parent) if p >= 0)
    return g


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_forest_matches_networkx(seed: int) -> None:
    parent = random_forest(400, 1 + seed * 3, seed)
    g = graph(parent)
    level, rooted = tree.levels(parent)
    assert rooted.all()
    want_level = {}
    for r in np.flatnonzero(parent < 0):
        for node, d in nx.single_source_shortest_path_length(g, int(r)).items():
            want_level[node] = d + 1
    assert level.tolist() == [want_level[i] for i in range(parent.size)]
    sizes = tree.subtree_reduce(parent, level, np.ones(parent.size, np.int64), "sum")
    deepest = tree.subtree_reduce(parent, level, level.copy(), "max")
    for u in range(parent.size):
        desc = nx.descendants(g, u)
        assert sizes[u] == len(desc) + 1
        assert deepest[u] - level[u] + 1 == 1 + max(
            (want_level[d] - want_level[u] for d in desc), default=0)
    roots = tree.roots_of(parent, level)
    for u in range(parent.size):
        anc = nx.ancestors(g, u)
        assert roots[u] == (min(anc, key=lambda a: want_level[a]) if anc else u)
    for k in (1, 2, 5):
        anc = tree.ancestor_at(parent, k)
        for u in range(0, parent.size, 7):
            cur = u
            for _ in range(k):
                cur = int(parent[cur]) if cur >= 0 else -1
            assert anc[u] == cur
    rng = np.random.default_rng(seed)
    upper = rng.integers(0, parent.size, 500).astype(np.int32)
    lower = rng.integers(0, parent.size, 500).astype(np.int32)
    upper[:100] = tree.ancestor_at(parent, 3)[lower[:100]]  # some true ancestor pairs
    gen = tree.generation(parent, level, upper, lower)
    for a, b, k in zip(upper.tolist(), lower.tolist(), gen.tolist(), strict=True):
        if a < 0:
            assert k == -1
        elif a == b:
            assert k == 0
        elif nx.has_path(g, a, b):
            assert k == nx.shortest_path_length(g, a, b)
        else:
            assert k == -1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cycles_match_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    parent = random_forest(n, 5, seed)
    # point a few agents at a random agent: some of these close cycles
    for i in rng.choice(n, 8, replace=False):
        parent[i] = rng.integers(0, n)
    g = nx.DiGraph()
    g.add_edges_from((i, int(p)) for i, p in enumerate(parent) if p >= 0)  # child -> sponsor
    g.add_nodes_from(range(n))
    on_cycle = {v for c in nx.simple_cycles(g) for v in c}
    reaches_root = {i for i in range(n) if parent[i] < 0}
    for r in list(reaches_root):
        reaches_root |= nx.ancestors(g, r)
    level, rooted = tree.levels(parent)
    assert set(np.flatnonzero(rooted).tolist()) == reaches_root
    assert (level[~rooted] == 0).all()
    cyc = tree.cycle_members(parent, np.flatnonzero(~rooted).astype(np.int32))
    assert set(cyc.tolist()) == on_cycle
