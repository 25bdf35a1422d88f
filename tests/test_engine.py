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
