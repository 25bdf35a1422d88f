"""The 30 people / 3 levels boundary of the 2013 opinion (organizer counted), and depth."""

from __future__ import annotations

from mlm_audit.checks import excess_depth, organization_size_and_depth

ORG = organization_size_and_depth


def org(level2: int, level3: int, unpaid: int = 0):  # type: ignore[no-untyped-def]
    """Organizer o; ``level2`` direct recruits; ``level3`` recruits under the first of them.
    Everyone but the organizer pays a fee, except ``unpaid`` of the level-3 agents."""
    agents = [("o", None)] + [(f"b{i}", "o") for i in range(level2)]
    agents += [(f"c{i}", "b0") for i in range(level3)]
    fees = {a: 9_900 for a, _ in agents if a != "o"}
    for i in range(unpaid):
        fees[f"c{i}"] = 0
    return agents, fees


def findings(net, **params):  # type: ignore[no-untyped-def]
    return list(ORG.run(net, ORG.Params(**params)))


def test_thirty_people_three_levels_fires_with_organizer_counted(make_network):  # type: ignore[no-untyped-def]
    net = make_network(*org(9, 20))  # 1 + 9 + 20 = 30 people, 3 levels
    (f,) = findings(net)
    assert f.subject.id == "o"
    assert f.evidence["participants"] == 30 and f.evidence["levels"] == 3
    assert f.evidence["per_level"] == {"1": 1, "2": 9, "3": 20}
    assert f.evidence["chain"] == ["o"]


def test_twenty_nine_people_does_not_fire(make_network):  # type: ignore[no-untyped-def]
    assert findings(make_network(*org(9, 19))) == []


def test_thirty_people_on_two_levels_does_not_fire(make_network):  # type: ignore[no-untyped-def]
    net = make_network(*org(29, 0))
    assert int(net.org_levels[net.index_of(["o"])[0]]) == 2
    assert findings(net) == []


def test_paying_only_versus_count_all(make_network):  # type: ignore[no-untyped-def]
    net = make_network(*org(9, 20, unpaid=1))  # 29 paying participants incl. organizer
    assert findings(net) == []
    (f,) = findings(net, count_all=True)
    assert f.evidence["participants"] == 30 and f.evidence["count_all"] is True


def test_lower_thresholds_report_topmost_or_all(make_network):  # type: ignore[no-untyped-def]
    net = make_network(*org(9, 20))
    top = findings(net, min_participants=21, min_levels=2)
    assert [f.subject.id for f in top] == ["o"]  # b0 (21 people, 2 levels) nested inside
    assert top[0].evidence["nested_qualifying"] == 1
    every = findings(net, min_participants=21, min_levels=2, report="all")
    assert [f.subject.id for f in every] == ["o", "b0"]


def test_excess_depth_fires_beyond_limit(make_network):  # type: ignore[no-untyped-def]
    net = make_network([("r", None), ("a", "r"), ("b", "a"), ("c", "b"), ("q", None)])
    (f,) = excess_depth.run(net, excess_depth.Params(max_levels=3))
    assert f.subject.id == "r"
    assert f.evidence["levels"] == 4 and f.evidence["agents_beyond"] == 1
    assert f.evidence["deepest_agent"] == "c" and f.evidence["chain"] == ["r", "a", "b", "c"]


def test_excess_depth_benign_at_limit(make_network):  # type: ignore[no-untyped-def]
    net = make_network([("r", None), ("a", "r"), ("b", "a"), ("q", None)])
    assert list(excess_depth.run(net, excess_depth.Params(max_levels=3))) == []
