"""Each plan check: a firing case and a benign case (boundaries where the rule has one)."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from mlm_audit.checks import REGISTRY
from mlm_audit.plan.checks import COUNTERPARTS, plan_registry
from tests.plan.conftest import plan_of

RUN = plan_registry()


def run(check: str, plan, **params):
    ct = REGISTRY.get(check)
    p = ct.params(**params) if ct is not None else NS(**params)
    return list(RUN[check](plan, p))


CPS = "commissions:\n  - {generation: 0, rate: 0.1, basis: own_retail}\n"
THREE = ("commissions:\n"
         "  - {generation: 1, rate: 0.1, basis: downline_sales}\n"
         "  - {generation: 2, rate: 0.05, basis: downline_sales}\n")


def test_registry_covers_counterparts_and_plan_only_types():
    for name in COUNTERPARTS:
        assert name in RUN
    plan_only = [n for n, ct in REGISTRY.items() if "plan" in ct.needs]
    assert sorted(plan_only) == ["missing_buyback", "missing_cooling_off", "missing_returns",
                                 "purchase_to_qualify", "rank_by_headcount"]
    for name in plan_only:
        assert name in RUN and "Example::" in REGISTRY[name].doc


def test_excess_depth_boundary():
    plan = plan_of(THREE)  # earner + 2 paid generations = 3 levels
    assert run("excess_depth", plan, max_levels=3) == []
    (f,) = run("excess_depth", plan, max_levels=2)
    assert f.subject.kind == "plan" and f.evidence["levels"] == 3
    assert f.evidence["where"] == "t.yaml:5"
    assert run("excess_depth", plan_of(CPS), max_levels=1) == []


def test_organization_size_and_depth_needs_entry_and_levels():
    assert run("organization_size_and_depth", plan_of(THREE)) == []  # nobody pays to join
    paying = plan_of("join: {fee: 99}\n" + THREE)
    (f,) = run("organization_size_and_depth", paying)
    assert f.evidence["levels"] == 3 and f.evidence["entry"] == {"join.fee": 9900}
    assert run("organization_size_and_depth", paying, min_levels=4) == []
    assert run("organization_size_and_depth", plan_of(THREE), count_all=True)


def test_deep_commissions_per_term():
    fs = run("deep_commissions", plan_of(THREE), max_generations=1)
    assert [f.subject.id for f in fs] == ["t:commission.level2"]
    assert fs[0].subject.kind == "plan-level" and fs[0].evidence["where"] == "t.yaml:5"
    assert run("deep_commissions", plan_of(THREE), max_generations=2) == []
    assert run("deep_commissions", plan_of(CPS), max_generations=0) == []


def test_recruitment_rewards():
    bonus = plan_of("bonuses:\n  - {id: r, kind: recruitment, amount: 50}\n")
    (f,) = run("recruitment_rewards", bonus, max_share=0.5)
    assert f.evidence["share"] == 1.0
    kit_pay = plan_of("join: {starter_kit: {amount: 500, mandatory: true}}\ncommissions:\n"
                      "  - {generation: 1, rate: 0.2, basis: downline_purchases}\n")
    (f,) = run("recruitment_rewards", kit_pay, max_share=0.5)
    assert f.evidence["recruitment_terms"][0]["element"] == "commission.level1"
    assert run("recruitment_rewards", plan_of(CPS + "join: {fee: 10}\n"), max_share=0.5) == []


def test_entry_payments_disguised_fee():
    plan = plan_of("join: {first_purchase: {amount: 399, mandatory: true}}\n")
    (f,) = run("entry_payments", plan, max_share_paying=0.8, min_amount=1)
    assert f.evidence["disguised"] is True and f.subject.id == "t:join.first_purchase"
    assert run("entry_payments", plan, max_share_paying=1.0, min_amount=1) == []
    optional = plan_of("join: {first_purchase: {amount: 399, mandatory: false}}\n")
    assert run("entry_payments", optional, max_share_paying=0.8, min_amount=1) == []


def test_payout_cap_boundary_and_unbounded():
    at_cap = plan_of("commissions:\n  - {generation: 0, rate: 0.3, basis: own_retail}\n")
    assert run("payout_cap", at_cap, max_ratio=0.3, base="own_external_retail") == []
    (f,) = run("payout_cap", at_cap, max_ratio=0.3, base="own_external_retail", vat_rate=0.13)
    assert f.evidence["max_ratio_plan"] == pytest.approx(0.339)
    (f,) = run("payout_cap", plan_of(THREE), max_ratio=0.3, base="own_external_retail")
    assert f.evidence["max_ratio_plan"] is None  # pay on others' sales has no own-sales base
    assert run("payout_cap", plan_of(THREE), max_ratio=0.4, base="company_revenue") == []
    (f,) = run("payout_cap", plan_of(THREE), max_ratio=0.1, base="company_revenue")
    assert f.evidence["max_ratio_plan"] == pytest.approx(0.15)


def test_inventory_loading_and_resale_rule():
    loading = plan_of("inventory: {min_purchase: {amount: 2000}}\n")
    (f,) = run("inventory_loading", loading, min_resale_ratio=0.7)
    assert f.evidence["amount"] == 200000
    ruled = plan_of("inventory: {min_purchase: {amount: 2000}, resale_rule: 0.7}\n")
    assert run("inventory_loading", ruled, min_resale_ratio=0.7) == []


def test_non_retail_rewards():
    mixed = plan_of("commissions:\n  - {generation: 0, rate: 0.2, basis: own_retail}\n"
                    "  - {generation: 1, rate: 0.1, basis: downline_purchases}\n")
    assert run("non_retail_rewards", mixed, max_share=1 / 3) == []  # 0.1 / 0.3
    (f,) = run("non_retail_rewards", mixed, max_share=0.3)
    assert f.evidence["share"] == pytest.approx(1 / 3, abs=1e-4)
    assert run("non_retail_rewards", plan_of(CPS), max_share=0.0) == []


def test_missing_buyback():
    stock = "inventory: {min_purchase: {amount: 100}"
    (f,) = run("missing_buyback", plan_of(stock + "}\n"))
    assert f.evidence["buyback"] is None
    short = plan_of(stock + ", buyback: {rate: 0.9, window_days: 90}}\n")
    assert run("missing_buyback", short, min_window_days=90) == []
    assert len(run("missing_buyback", short, min_window_days=365)) == 1
    assert run("missing_buyback", plan_of(CPS)) == []  # nobody buys: nothing to buy back


def test_missing_cooling_off_and_returns():
    fee = "join: {fee: 50}\n"
    assert len(run("missing_cooling_off", plan_of(fee))) == 1
    assert run("missing_cooling_off", plan_of(fee + "cooling_off: {days: 14}\n")) == []
    assert len(run("missing_cooling_off", plan_of(fee + "cooling_off: {days: 13}\n"))) == 1
    assert run("missing_cooling_off", plan_of(CPS)) == []  # nothing paid
    assert len(run("missing_returns", plan_of(CPS))) == 1
    ok = plan_of("returns: {days: 30, refund_within_days: 7}\n")
    assert run("missing_returns", ok) == []
    slow = plan_of("returns: {days: 30, refund_within_days: 8}\n")
    assert len(run("missing_returns", slow)) == 1


def test_rank_by_headcount():
    ranks = ("ranks:\n  - {name: lead, qualify: {recruits: 3}, bonus_rate: 0.02}\n"
             "  - {name: pro, qualify: {team_volume: 100}, bonus_rate: 0.02}\n")
    fs = run("rank_by_headcount", plan_of(ranks))
    assert [f.subject.id for f in fs] == ["t:rank.lead"]
    assert run("rank_by_headcount", plan_of(ranks), max_headcount=3) == []
    unpaid = plan_of("ranks:\n  - {name: lead, qualify: {recruits: 3}}\n")
    assert run("rank_by_headcount", unpaid) == []
    assert len(run("rank_by_headcount", unpaid, require_pay=False)) == 1


def test_purchase_to_qualify():
    plan = plan_of("ranks:\n  - {name: sup, qualify: {personal_purchase: 2000}}\n"
                   "join:\n  vip_tiers:\n    - {name: vip, price: 399, unlocks: [commission]}\n")
    fs = run("purchase_to_qualify", plan)
    assert sorted(f.subject.id for f in fs) == ["t:join.vip_tiers.vip", "t:rank.sup"]
    assert [f.subject.id for f in run("purchase_to_qualify", plan, min_amount=100_000)] == \
        ["t:rank.sup"]
    discount_only = plan_of("join:\n  vip_tiers:\n    - {name: vip, price: 399, "
                            "unlocks: [discount]}\n")
    assert run("purchase_to_qualify", discount_only) == []
