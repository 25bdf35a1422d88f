"""The shipped packs on generated networks: lawful shapes stay quiet, planted schemes are named.

Retail and CPS run at 100k agents, the size the check catalogue promises; the schemes run
smaller, which is enough to plant them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlm_audit import pipeline
from mlm_audit.generate import Spec, generate
from mlm_audit.model import Severity

PACKS = ["baseline", "cn-anti-pyramid", "us-ftc"]


def audit(tmp: Path, scenario: str, agents: int, orders_per_agent: float = 10.0):
    out = tmp / scenario
    generate(scenario, Spec(agents, 3, orders_per_agent), out, "parquet")
    prepared = pipeline.prepare(pipeline.Inputs(path=out))
    result = pipeline.audit(prepared, pipeline.load_packs(PACKS), fail_on=Severity.low)
    planted = json.loads((out / "scenario.json").read_text(encoding="utf-8"))["planted"]
    return result, planted


@pytest.mark.parametrize("scenario", ["retail", "cps"])
def test_lawful_networks_have_nothing_above_info(tmp_path: Path, scenario: str):
    result, _ = audit(tmp_path, scenario, 100_000, orders_per_agent=4)
    above = sorted({f.rule_id for f in result.findings if f.severity != Severity.info})
    assert above == []


def test_pyramid_is_flagged_and_its_organizer_named(tmp_path: Path):
    result, planted = audit(tmp_path, "pyramid", 5_000)
    organizer = planted["organizers"][0]
    by_rule = {}
    for f in result.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    for rule in ("CN-CR-01", "CN-AP-01", "CN-AP-02", "BASE-RECRUIT-FUNDED", "US-BL-1"):
        assert rule in by_rule, rule
    assert [f.subject.id for f in by_rule["CN-CR-01"]] == [organizer]
    assert by_rule["CN-CR-01"][0].severity == Severity.critical
    assert organizer in {f.subject.id for f in by_rule["BASE-RECRUIT-FUNDED"]}


def test_stocking_is_flagged_and_loaded_agents_named(tmp_path: Path):
    result, planted = audit(tmp_path, "stocking", 20_000)
    rules = {f.rule_id for f in result.findings}
    assert {"BASE-INVENTORY", "US-AMW-70", "CN-AP-02"} <= rules
    flagged = {f.subject.id for f in result.findings
               if f.rule_id == "BASE-INVENTORY" and f.subject.kind == "agent"}
    assert flagged & set(planted["loaded_agents"])
