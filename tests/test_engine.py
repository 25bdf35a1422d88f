"""Engine: stamping, sorting, dedup of subjects, skipped rules, fail-on."""

from __future__ import annotations

import polars as pl

from mlm_audit import engine, preflight
from mlm_audit.model import Severity, Subject, fingerprint
from mlm_audit.packs import apply_overrides, collect_rules, load_pack
from mlm_audit.schema import Dataset


def chain_network(depth: int, fee: int = 100):
    agents = pl.DataFrame({
        "agent_id": [f"a{i}" for i in range(depth)],
        "sponsor_id": [None] + [f"a{i}" for i in range(depth - 1)],
        "fees_paid": [fee] * depth,
    })
    net, issues = preflight.run(Dataset.from_frames(agents))
    return net, issues


def test_stamps_rule_metadata_and_fingerprint():
    net, issues = chain_network(5)
    pack = load_pack("baseline")
    rules = collect_rules([pack])
    result = engine.run_audit(net, [pack], rules, issues, [], fail_on=Severity.info)
    depth = [f for f in result.findings if f.rule_id == "BASE-DEPTH"]
    assert len(depth) == 1
    f = depth[0]
    assert f.subject == Subject("organization", "a0")
    assert f.fingerprint == fingerprint("BASE-DEPTH", Subject("organization", "a0"), None)
    assert f.references and f.title["zh"]
    assert result.packs[0]["pack"] == "baseline"
    assert depth[0] in result.failing()  # fail_on info: every finding fails


def test_fail_on_threshold_excludes_lower_severities():
    net, issues = chain_network(5)
    pack = load_pack("baseline")
    result = engine.run_audit(net, [pack], collect_rules([pack]), issues, [],
                              fail_on=Severity.critical)
    assert result.findings and not result.failing()
    assert result.summary()["verdict"] == "pass"


def test_override_changes_threshold_for_one_run():
    net, issues = chain_network(5)
    pack = load_pack("baseline")
    rules = apply_overrides(collect_rules([pack]), ["BASE-DEPTH.max_levels=5"])
    result = engine.run_audit(net, [pack], rules, issues, [])
    assert not [f for f in result.findings if f.rule_id == "BASE-DEPTH"]


def test_rule_needing_absent_table_is_skipped_with_note(monkeypatch):
    from mlm_audit.checks import REGISTRY

    net, issues = chain_network(3)
    ct = REGISTRY["excess_depth"]
    monkeypatch.setitem(REGISTRY, "excess_depth", ct.__class__(
        ct.name, ct.params, ct.run, ct.doc, ("orders",), ct.version))
    pack = load_pack("baseline")
    result = engine.run_audit(net, [pack], collect_rules([pack]), issues, [])
    assert any("BASE-DEPTH" in n and "needs orders" in n for n in result.notes)
    assert not [f for f in result.findings if f.rule_id == "BASE-DEPTH"]


def test_findings_sorted_by_severity_then_rule_then_subject():
    agents = pl.DataFrame({
        "agent_id": ["r1", "x1", "x2", "x3", "r2", "y1", "y2", "y3"],
        "sponsor_id": [None, "r1", "x1", "x2", None, "r2", "y1", "y2"],
    })
    net, issues = preflight.run(Dataset.from_frames(agents))
    pack = load_pack("baseline")
    result = engine.run_audit(net, [pack], collect_rules([pack]), issues, [])
    keys = [f.sort_key() for f in result.findings]
    assert keys == sorted(keys)
    assert [f.subject.id for f in result.findings] == ["r1", "r2"]


def _all_data_rules():
    from mlm_audit.packs.loader import shipped_packs

    packs = [load_pack(n) for n in shipped_packs() if n != "plan-gate"]
    return packs, collect_rules(packs)


def _generated(tmp_path, scenario: str):
    from mlm_audit.generate import Spec, generate
    from mlm_audit.io import load_dataset

    generate(scenario, Spec(1500, 3), tmp_path, "parquet")
    return preflight.run(load_dataset(tmp_path))[0]


def test_rules_side_by_side_give_what_one_at_a_time_gives(tmp_path):
    packs, rules = _all_data_rules()
    one = engine.run_rules(_generated(tmp_path / "a", "pyramid"), rules, workers=1)
    seen: list[str] = []
    two = engine.run_rules(_generated(tmp_path / "b", "pyramid"), rules, seen.append,
                           workers=2)
    assert one[0], "the pyramid must give findings for the comparison to mean anything"
    assert [f.to_dict() for f in two[0]] == [f.to_dict() for f in one[0]]
    assert two[1] == one[1]
    assert seen == [r.id for r in rules]  # progress names every rule, in pack order


def test_scans_are_settled_once_before_rules_run_side_by_side(tmp_path):
    net = _generated(tmp_path, "stocking")
    assert net.facts.plan.max_days == 0  # built without a plan
    packs, rules = _all_data_rules()
    rules = apply_overrides(rules, ["US-BL-1.entry_window_days=90"])
    asked = engine.scan_needs(rules)
    windows = {getattr(r.params, "entry_window_days", 0) or 0 for r in rules}
    assert {30, 90} <= windows  # asked one after another (30 first), they would rescan twice
    rescan, calls = net._rescan, []

    def counted(n, plan):
        calls.append(plan)
        return rescan(n, plan)

    net._rescan = counted
    engine.run_rules(net, rules, workers=2)
    assert [p.max_days for p in calls] == [asked.max_days]


def test_heavier_rules_start_first_and_ties_keep_rule_order():
    rules = collect_rules([load_pack("baseline")])
    order = [rules[i].model.check for i in engine.start_order(rules)]
    heavy = ["inventory_loading", "internal_sales"]
    assert sorted(order[:2]) == sorted(heavy)
    assert order[:2] == [c for c in (r.model.check for r in rules) if c in heavy]
    light = [r.model.check for r in rules if engine.REGISTRY[r.model.check].weight == 1]
    assert [c for c in order if c in light] == light
