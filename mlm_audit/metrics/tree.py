"""Tree metrics on dense integer parent arrays (DESIGN.md §8).

``parent[i]`` is the dense index of agent i's sponsor, or -1 for a root. Every function is
vectorized: loops run over tree levels or pointer-jumping rounds, never over agents. Levels
and preorder numbers come from the compiled kernels when they are built
(:mod:`mlm_audit.kernels`: each sponsor chain walked once in C), with the same results.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mlm_audit import kernels
from mlm_audit.packsort import packed_sort

IntArray = npt.NDArray[np.int32]
NO_PARENT = -1


def levels(parent: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Level of every agent (roots are level 1) by pointer jumping.

    Returns ``(level, rooted)``. Agents whose sponsor chain never reaches a root (members of
    a sponsor cycle, or agents hanging below one) are not rooted and get level 0.
    """
    compiled = kernels.levels(parent)
    if compiled is not None:  # each chain walked once, in C
        return compiled, compiled > 0
    n = parent.shape[0]
    dist = (parent >= 0).astype(np.int64)
    jump = parent.astype(np.int64, copy=True)
    active = np.flatnonzero(jump >= 0)
    rounds = int(np.ceil(np.log2(max(n, 2)))) + 2
    for _ in range(rounds):
        if active.size == 0:
            break
        j = jump[active]
        dist[active] += dist[j]
        jump[active] = jump[j]
        active = active[jump[active] >= 0]
    rooted = jump < 0
    if active.size:
        # Chains that never converge loop: they are cycles or hang below one.
        rooted[active] = False
    level = np.where(rooted, dist + 1, 0).astype(np.int32)
    return level, rooted


def stable_order(keys: IntArray) -> npt.NDArray[np.int32]:
    """``np.argsort(keys, kind="stable")``, by one sort of each key (from the least) packed
    with its position (:func:`mlm_audit.packsort.packed_sort`): ten times faster than a
    stable argsort of a million keys. Keys spanning 2^31 or more (never agent indices or
    levels) take the argsort."""
    n = keys.size
    lo = int(keys.min()) if n else 0
    if n and n < 1 << 31 and int(keys.max()) - lo < 1 << 31:
        packed = packed_sort((keys.astype(np.int64) - lo).view(np.uint64), 31, copy=False)
        if packed is not None:
            return packed[0].astype(np.int32)
    return np.argsort(keys, kind="stable").astype(np.int32)


def level_order(level: IntArray) -> tuple[IntArray, IntArray]:
    """Agents sorted by level, and the start offset of each level (index = level)."""
    order = stable_order(level)
    max_level = int(level.max()) if level.size else 0
    bounds = np.searchsorted(level[order], np.arange(max_level + 2)).astype(np.int32)
    return order, bounds


def subtree_reduce(
    parent: IntArray,
    level: IntArray,
    values: npt.NDArray[np.generic],
    op: str = "sum",
    order: tuple[IntArray, IntArray] | None = None,
) -> npt.NDArray[np.generic]:
    """Combine ``values`` over each agent's downline T(u), the agent included.

    Runs bottom-up one level at a time (``op`` is ``sum`` or ``max``). Unrooted agents
    (level 0) keep their own value and contribute to no one.
    """
    out = np.array(values, copy=True)
    order_, bounds = order if order is not None else level_order(level)
    ufunc = np.add if op == "sum" else np.maximum
    for lvl in range(len(bounds) - 2, 1, -1):
        nodes = order_[bounds[lvl]:bounds[lvl + 1]]
        if nodes.size:
            ufunc.at(out, parent[nodes], out[nodes])
    return out


def ancestor_at(parent: IntArray, k: int) -> IntArray:
    """k-th sponsor above every agent (``up^k``), -1 where the chain is shorter."""
    anc = np.arange(parent.shape[0], dtype=np.int32)
    for _ in range(k):
        ok = anc >= 0
        anc = np.where(ok, parent[np.where(ok, anc, 0)], NO_PARENT).astype(np.int32)
    return anc


def lift(parent: IntArray, nodes: IntArray, steps: npt.NDArray[np.integer]) -> IntArray:
    """Ancestor of ``nodes[i]`` at ``steps[i]`` generations up, -1 when it does not exist.

    Binary lifting on the fly: one gather per bit of the largest step, so attribution of
    millions of payouts costs O(rows · log depth).
    """
    cur = np.asarray(nodes, dtype=np.int32).copy()
    steps = np.asarray(steps, dtype=np.int64)
    if cur.size == 0:
        return cur
    max_step = int(steps.max(initial=0))
    table = parent
    bit = 0
    while (1 << bit) <= max_step:
        take = ((steps >> bit) & 1).astype(bool) & (cur >= 0)
        if take.any():
            cur[take] = table[cur[take]]
        bit += 1
        if (1 << bit) <= max_step:
            # table for 2^bit: compose the previous one with itself
            safe = np.where(table >= 0, table, 0)
            table = np.where(table >= 0, table[safe], NO_PARENT).astype(np.int32)
    return cur


def preorder(parent: IntArray, level: IntArray, size: npt.NDArray[np.integer],
             order: tuple[IntArray, IntArray] | None = None) -> npt.NDArray[np.int64]:
    """Depth-first (preorder) number of every rooted agent; -1 for unrooted ones.

    With ``size`` = N(u), u's downline is exactly the agents numbered
    ``pre[u] .. pre[u] + N(u) - 1``, so a descendant test is two comparisons. Children are
    numbered in index order: a child starts after its parent and its earlier siblings'
    downlines; computed level by level, never agent by agent.
    """
    compiled = kernels.preorder(parent, level, size)
    if compiled is not None:  # the same numbers, each chain walked once in C
        return compiled
    n = parent.shape[0]
    pre = np.full(n, -1, dtype=np.int64)
    rooted = level > 0
    size = np.asarray(size, dtype=np.int64)
    roots = np.flatnonzero(rooted & (parent < 0))
    pre[roots] = np.cumsum(size[roots]) - size[roots]
    kids = np.flatnonzero(rooted & (parent >= 0))
    if kids.size == 0:
        return pre
    kids = kids[stable_order(parent[kids])]
    sz = size[kids]
    cs = np.cumsum(sz)
    first = np.ones(kids.size, dtype=bool)
    first[1:] = parent[kids[1:]] != parent[kids[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(kids.size), 0))
    before = np.zeros(n, dtype=np.int64)  # downlines of earlier siblings
    before[kids] = cs - sz - (cs[start] - sz[start])
    order_, bounds = order if order is not None else level_order(level)
    for lvl in range(2, len(bounds) - 1):
        nodes = order_[bounds[lvl]:bounds[lvl + 1]]
        pre[nodes] = pre[parent[nodes]] + 1 + before[nodes]
    return pre


def generation(
    parent: IntArray, level: IntArray, upper: IntArray, lower: IntArray,
    intervals: tuple[npt.NDArray[np.int64], npt.NDArray[np.integer]] | None = None,
) -> npt.NDArray[np.int32]:
    """``gen(upper, lower)`` per pair: generations from ``upper`` down to ``lower``.

    0 when they are the same agent, -1 when ``lower`` is not in ``upper``'s downline (or
    either is unknown / unrooted). ``intervals`` = (:func:`preorder`, N(u)) turns the
    descendant test into two comparisons per pair instead of binary lifting.
    """
    upper = np.asarray(upper, dtype=np.int32)
    lower = np.asarray(lower, dtype=np.int32)
    valid = (upper >= 0) & (lower >= 0)
    lu = np.where(valid, level[np.where(valid, upper, 0)], 0)
    ll = np.where(valid, level[np.where(valid, lower, 0)], 0)
    d = ll.astype(np.int64) - lu
    valid &= (d >= 0) & (lu > 0) & (ll > 0)
    if intervals is not None:
        pre, size = intervals
        u, lo = np.where(valid, upper, 0), np.where(valid, lower, 0)
        pu, pl_ = pre[u], pre[lo]
        ok = valid & (pl_ >= pu) & (pl_ < pu + size[u])
    else:
        found = lift(parent, np.where(valid, lower, 0), np.where(valid, d, 0))
        ok = valid & (found == upper)
    return np.where(ok, d, -1).astype(np.int32)


def roots_of(parent: IntArray, level: IntArray) -> IntArray:
    """The root (organization) of every rooted agent, by pointer jumping; -1 if unrooted."""
    ptr = np.where(parent >= 0, parent, np.arange(parent.shape[0])).astype(np.int32)
    ptr[level == 0] = NO_PARENT
    active = np.flatnonzero(ptr >= 0)
    while active.size:
        nxt = ptr[ptr[active]]
        moved = nxt != ptr[active]
        ptr[active] = nxt
        active = active[moved]
    return ptr


def cycle_members(parent: IntArray, unrooted: IntArray) -> IntArray:
    """Among unrooted agents, those on a sponsor cycle (the rest hang below one).

    Peels agents that nobody in the unrooted set points to, round by round (Kahn's
    algorithm, vectorized); what cannot be peeled lies on a cycle.
    """
    n = parent.shape[0]
    alive = np.zeros(n, dtype=bool)
    alive[unrooted] = True
    indeg = np.bincount(parent[unrooted], minlength=n)
    frontier = unrooted[indeg[unrooted] == 0]
    while frontier.size:
        alive[frontier] = False
        ps = parent[frontier]
        np.subtract.at(indeg, ps, 1)
        ps = np.unique(ps)
        frontier = ps[(indeg[ps] == 0) & alive[ps]]
    return np.flatnonzero(alive).astype(np.int32)
