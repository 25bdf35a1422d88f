"""Tree metrics against a hand-computed forest (regulations.md §0 definitions)."""

from __future__ import annotations

import numpy as np

from mlm_audit.metrics import tree

#   a ─┬─ b ─┬─ d ── g        h (alone)
#      │     └─ e
#      └─ c ── f
# listed out of order on purpose: g before its sponsor, h in the middle
AGENTS = [("g", "d"), ("a", None), ("b", "a"), ("h", None), ("c", "a"), ("d", "b"),
          ("e", "b"), ("f", "c")]
LEVEL = {"a": 1, "b": 2, "c": 2, "d": 3, "e": 3, "f": 3, "g": 4, "h": 1}
DOWNLINE = {"a": 7, "b": 4, "c": 2, "d": 2, "e": 1, "f": 1, "g": 1, "h": 1}
RECRUITS = {"a": 2, "b": 2, "c": 1, "d": 1, "e": 0, "f": 0, "g": 0, "h": 0}
ORG_LEVELS = {"a": 4, "b": 3, "c": 2, "d": 2, "e": 1, "f": 1, "g": 1, "h": 1}


def by_id(net, values):  # type: ignore[no-untyped-def]
    return {net.id_of(i): int(v) for i, v in enumerate(values)}


def test_levels_downline_recruits_org_levels(make_network):  # type: ignore[no-untyped-def]
    net = make_network(AGENTS)
    assert by_id(net, net.level) == LEVEL
    assert net.rooted.all()
    assert by_id(net, net.downline_size) == DOWNLINE
    assert by_id(net, net.direct_recruits) == RECRUITS
    assert by_id(net, net.org_levels) == ORG_LEVELS
    assert {net.id_of(i): net.id_of(r) for i, r in enumerate(net.root)} == {
        "a": "a", "b": "a", "c": "a", "d": "a", "e": "a", "f": "a", "g": "a", "h": "h"}
    assert sorted(net.id_of(i) for i in net.org_members(net.index_of(["a"])[0])) == list("abcdefg")
    assert net.chain(int(net.index_of(["g"])[0])) == ["a", "b", "d", "g"]


def test_ancestor_at_and_generation(make_network):  # type: ignore[no-untyped-def]
    net = make_network(AGENTS)

    def up(k):  # type: ignore[no-untyped-def]
        return {net.id_of(i): (net.id_of(a) if a >= 0 else None)
                for i, a in enumerate(net.ancestor_at(k))}

    assert up(0) == {x: x for x in "abcdefgh"}
    assert up(1) == {"a": None, "b": "a", "c": "a", "d": "b", "e": "b", "f": "c", "g": "d",
                     "h": None}
    assert up(2) == {"a": None, "b": None, "c": None, "d": "a", "e": "a", "f": "a", "g": "b",
                     "h": None}
    assert up(3)["g"] == "a" and up(4)["g"] is None
    pairs = [("a", "g", 3), ("b", "g", 2), ("d", "d", 0), ("g", "a", -1), ("b", "f", -1),
             ("c", "f", 1), ("h", "a", -1), ("a", "h", -1)]
    upper = net.index_of([p[0] for p in pairs])
    lower = net.index_of([p[1] for p in pairs])
    assert net.generation(upper, lower).tolist() == [p[2] for p in pairs]
    # unknown agents (-1) never have a generation
    assert net.generation(np.array([-1, 0]), np.array([0, -1])).tolist() == [-1, -1]


def test_cycles_are_unrooted_and_found(make_network):  # type: ignore[no-untyped-def]
    # x <-> y is a cycle, z hangs below it, r -> s is sound
    net = make_network([("x", "y"), ("y", "x"), ("z", "x"), ("r", None), ("s", "r")])
    assert by_id(net, net.rooted) == {"x": 0, "y": 0, "z": 0, "r": 1, "s": 1}
    assert by_id(net, net.level) == {"x": 0, "y": 0, "z": 0, "r": 1, "s": 2}
    assert by_id(net, net.downline_size) == {"x": 0, "y": 0, "z": 0, "r": 2, "s": 1}
    unrooted = np.flatnonzero(~net.rooted).astype(np.int32)
    cyc = tree.cycle_members(net.parent, unrooted)
    assert sorted(net.id_of(i) for i in cyc) == ["x", "y"]
    assert net.root[net.index_of(["z"])[0]] == -1


def test_subtree_reduce_max_and_level_order() -> None:
    parent = np.array([-1, 0, 0, 1, 3], dtype=np.int32)
    level, rooted = tree.levels(parent)
    assert level.tolist() == [1, 2, 2, 3, 4] and rooted.all()
    vals = np.array([5, 1, 9, 2, 7])
    assert tree.subtree_reduce(parent, level, vals, "max").tolist() == [9, 7, 9, 7, 7]
    assert tree.subtree_reduce(parent, level, vals, "sum").tolist() == [24, 10, 9, 9, 7]
    order, bounds = tree.level_order(level)
    assert [sorted(order[bounds[lv]:bounds[lv + 1]].tolist()) for lv in (1, 2, 3, 4)] == [
        [0], [1, 2], [3], [4]]
    assert tree.lift(parent, np.array([4, 4, 4, 2]), np.array([0, 3, 4, 1])).tolist() == [
        4, 0, -1, 0]
