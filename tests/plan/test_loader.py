from __future__ import annotations

import pytest

from mlm_audit.plan.loader import PlanError, load_plan, parse_plan
from tests.plan.conftest import PLANS, plan_of


def test_sample_plans_load():
    names = sorted(load_plan(p).name for p in PLANS.glob("*.yaml"))
    assert names == ["cps-shop", "headcount-pyramid", "licensed-direct-selling",
                     "wechat-agency-stocking"]


def test_money_is_exact_minor_units():
    p = plan_of("join: {fee: '1,980.50', first_purchase: {amount: 3000}}\n")
    assert p.model.join.fee == 198050
    assert p.model.join.first_purchase.amount == 300000


def test_every_error_is_located_at_once():
    text = ("plan: t\ncurrency: CNY\n"
            "join:\n  fee: 9.999\n  fees: 1\n"
            "commissions:\n  - {generation: 0, rate: 0.1, basis: downline_sales}\n"
            "  - {generation: 1, rate: 1.5, basis: downline_sales}\n")
    with pytest.raises(PlanError) as e:
        parse_plan(text, "p.yaml")
    errs = e.value.errors
    assert any(x.startswith("p.yaml:4:") and "more than two decimals" in x for x in errs)
    assert any(x.startswith("p.yaml:5:") and "unknown key 'join.fees'" in x for x in errs)
    assert any(x.startswith("p.yaml:8:") and "rate" in x for x in errs)


def test_coherence_errors_name_the_line():
    text = ("plan: t\ncurrency: CNY\n"
            "commissions:\n  - {generation: 0, rate: 0.1, basis: downline_sales}\n"
            "bonuses:\n  - {id: b, kind: team, rate: 0.1, rank: boss}\n")
    with pytest.raises(PlanError) as e:
        parse_plan(text, "p.yaml")
    errs = e.value.errors
    assert any(x.startswith("p.yaml:4:") and "own_retail" in x for x in errs)
    assert any(x.startswith("p.yaml:6:") and "rank 'boss'" in x for x in errs)


def test_duplicate_keys_and_missing_currency():
    with pytest.raises(PlanError) as e:
        parse_plan("plan: t\nplan: u\ncurrency: CNY\n", "p.yaml")
    assert "p.yaml:2: duplicate key 'plan'" in str(e.value)
    with pytest.raises(PlanError) as e:
        parse_plan("plan: t\n", "p.yaml")
    assert "currency: required key missing" in str(e.value)


def test_company_recruitment_cannot_pay_downline():
    with pytest.raises(PlanError) as e:
        plan_of("recruitment: {by: company}\n"
                "commissions:\n  - {generation: 1, rate: 0.1, basis: downline_sales}\n")
    assert "t.yaml:5:" in str(e.value)


def test_not_utf8(tmp_path):
    f = tmp_path / "gbk.yaml"
    f.write_bytes("plan: t\ncurrency: CNY\ntitle: {zh: 传销}\n".encode("gbk"))
    with pytest.raises(PlanError) as e:
        load_plan(f)
    assert f"{f}:3: plan files are UTF-8" in str(e.value)


def test_docs_example_is_a_valid_plan():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plan-format.md").read_text("utf-8")
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    plan = parse_plan(block, "docs/plan-format.md")
    m = plan.model
    assert m.join.starter_kit.amount == 39900 and m.bonuses[1].from_generation == 2
    assert m.inventory.buyback is not None and m.inventory.buyback.rate == 0.9
