"""plan check over the shipped packs: the same rules, stamping and verdicts as audit."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import polars as pl
import pytest

from mlm_audit import engine
from mlm_audit.model import fingerprint
from mlm_audit.network import Network
from mlm_audit.packs import collect_rules, load_pack, shipped_packs
from mlm_audit.packs.loader import Rule
from mlm_audit.packs.schema import RuleModel
from mlm_audit.plan.gate import check_plan, run_plan_rules
from mlm_audit.schema import Dataset


def gate(plan, *names):
    packs = [load_pack(n) for n in names]
    return check_plan(plan, packs, collect_rules(packs))


def rules_hit(result):
    return {f.rule_id for f in result.findings}


def test_pyramid_and_stocking_flagged(sample):
    pyramid = gate(sample["headcount-pyramid"], "baseline", "plan-gate")
    assert {"BASE-ORG-30-3", "BASE-DEPTH", "PG-RANK-HEADCOUNT",
            "PG-COOLING-OFF-14D"} <= rules_hit(pyramid)
    assert pyramid.summary()["verdict"] == "fail"
    stocking = gate(sample["wechat-agency-stocking"], "baseline", "plan-gate")
    assert {"BASE-ORG-30-3", "PG-BUYBACK-90-12M", "PG-PURCHASE-TO-QUALIFY"} <= \
        rules_hit(stocking)
    assert stocking.summary()["verdict"] == "fail"


LAWFUL_PACKS = [p for p in ("baseline", "cn-direct-selling", "plan-gate")
                if p in shipped_packs()]


@pytest.mark.parametrize("pack", LAWFUL_PACKS)
@pytest.mark.parametrize("name", ["cps-shop", "licensed-direct-selling"])
def test_lawful_plans_pass(sample, name, pack):
    result = gate(sample[name], pack)
    assert result.summary()["verdict"] == "pass", [f.message for f in result.findings]


def test_findings_stamped_like_the_engine(sample):
    result = gate(sample["headcount-pyramid"], "baseline", "plan-gate")
    rules = {r.id: r for r in collect_rules([load_pack("baseline"), load_pack("plan-gate")])}
    for f in result.findings:
        rule = rules[f.rule_id]
        assert f.fingerprint == fingerprint(f.rule_id, f.subject, f.period)
        assert f.severity == rule.model.severity and f.check == rule.model.check
        assert f.references and f.title["zh"]
        assert f.subject.kind in ("plan", "plan-level")
        assert f.evidence["plan"] == "headcount-pyramid"
    assert [f.sort_key() for f in result.findings] == sorted(f.sort_key()
                                                            for f in result.findings)


def test_rules_without_plan_counterpart_are_notes(sample, tmp_path):
    pack = tmp_path / "p.yaml"
    pack.write_text("pack: p\nversion: 1\ntitle: {en: p, zh: p}\nrules:\n"
                    "  - id: P-DEPTH\n    check: excess_depth\n    severity: low\n"
                    "    title: {en: d, zh: d}\n", encoding="utf-8")
    model = RuleModel(id="P-LOSS", check="participant_losses", severity="info",
                      title={"en": "losses", "zh": "亏损"})
    depth = collect_rules([load_pack(str(pack))])
    findings, notes = run_plan_rules(sample["headcount-pyramid"],
                                     [Rule("p", model, NS(max_share=0.5)), *depth])
    assert notes == ["rule P-LOSS (participant_losses) not applicable to a plan: it needs "
                     "data (try plan simulate --out DIR, then audit DIR)"]
    assert [f.rule_id for f in findings] == ["P-DEPTH"]


def test_data_audit_skips_plan_only_rules():
    agents = pl.DataFrame({"agent_id": ["a", "b"], "sponsor_id": [None, "a"]})
    net = Network.from_dataset(Dataset.from_frames(agents),
                               parent=np.array([-1, 0], dtype=np.int32))
    rules = collect_rules([load_pack("plan-gate")])
    findings, notes = engine.run_rules(net, rules)
    assert findings == []
    assert len(notes) == len(rules) and all("needs plan" in n for n in notes)


def test_rule_catalog_lists_every_rule(sample):
    from mlm_audit.plan.gate import rule_catalog

    rules = collect_rules([load_pack("baseline"), load_pack("plan-gate")])
    model = RuleModel(id="P-LOSS", check="participant_losses", severity="info",
                      title={"en": "losses", "zh": "亏损"})
    fake = Rule("p", model, load_pack("plan-gate").rules[0].params)
    cat = rule_catalog([*rules, fake])
    assert [c["id"] for c in cat] == sorted(r.id for r in [*rules, fake])
    skipped = {c["id"]: c["skipped"] for c in cat}
    assert skipped["P-LOSS"] == "not applicable to a plan" and skipped["BASE-DEPTH"] is None
