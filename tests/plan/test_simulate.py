"""The simulator against figures with known answers, and its accounting."""

from __future__ import annotations

import numpy as np
import pytest

from mlm_audit.plan.simulate import SimParams, simulate
from tests.plan.conftest import plan_of


def test_uniform_recruitment_leaves_tend_to_one_half():
    """Random recursive tree: the expected share of participants with no recruits is 1/2."""
    plan = plan_of("")
    shares = []
    for seed in (0, 2):
        r = simulate(plan.model, SimParams(market_size=60_000, months=40, seed=seed,
                                           founders=1, churn=0, attachment="uniform"))
        assert r.summary["participants"] > 40_000
        shares.append(r.summary["share_no_recruits"])
    assert shares == pytest.approx([0.5, 0.5], abs=0.02)
    # the same market grown by per-recruiter propensity is not a recursive tree: the test
    # can tell the two models apart
    r = simulate(plan.model, SimParams(market_size=60_000, months=40, seed=0, founders=1,
                                       churn=0, propensity=2.0))
    assert r.summary["share_no_recruits"] > 0.55


def test_full_binary_tree_recruitment_only_pay_seven_eighths_lose():
    """Each pays 100 to join and gets 100 per recruit three generations down: everyone in
    the last three levels (which have not recruited three generations) loses, 7/8."""
    plan = plan_of("join: {fee: 100}\nbonuses:\n  - {id: cycle, kind: recruitment, "
                   "amount: 100, from_generation: 3, generations: 3}\n")
    depth = 14
    r = simulate(plan.model, SimParams(market_size=2**depth - 1, months=depth, founders=1,
                                       churn=0, retail_demand=0, attachment="fixed",
                                       recruits_per_agent=2))
    s = r.summary
    assert s["participants"] == 2**depth - 1 and s["depth"] == depth
    assert s["loss_share"] == pytest.approx(7 / 8, abs=0.02)
    assert s["median_net"] == -10000 and s["share_no_recruits"] == pytest.approx(0.5, abs=1e-3)


def test_reproducible_for_a_seed(sample):
    p = SimParams(market_size=20_000, months=24, seed=7)
    a = simulate(sample["headcount-pyramid"].model, p)
    b = simulate(sample["headcount-pyramid"].model, p)
    c = simulate(sample["headcount-pyramid"].model, p.model_copy(update={"seed": 8}))
    assert a.monthly == b.monthly and a.summary == b.summary
    assert a.summary != c.summary


def test_lawful_and_pyramid_plans_separate(sample):
    p = SimParams(market_size=30_000, months=36, seed=1)
    cps = simulate(sample["cps-shop"].model, p).summary
    pyramid = simulate(sample["headcount-pyramid"].model, p).summary
    stocking = simulate(sample["wechat-agency-stocking"].model, p).summary
    assert cps["loss_share"] == 0 and cps["external_share"] == 1.0
    assert cps["payout_ratio"] == pytest.approx(0.1, abs=1e-3)
    assert pyramid["loss_share"] > 0.6 and pyramid["top1_income_share"] > 0.2
    assert stocking["loss_share"] > 0.9 and stocking["external_share"] < 0.05
    assert pyramid["months_to_saturation"] is None or pyramid["months_to_saturation"] <= 36


def test_company_recruitment_stays_one_level(sample):
    r = simulate(sample["licensed-direct-selling"].model, SimParams(market_size=5_000, seed=1))
    assert r.summary["depth"] == 1 and r.summary["share_no_recruits"] == 1.0
    assert r.summary["payout_ratio"] == pytest.approx(0.3, abs=1e-3)


def test_buyback_and_cooling_off_reduce_losses():
    base = ("join: {first_purchase: {amount: 1000, mandatory: true}}\n"
            "inventory: {min_purchase: {amount: 500}}\n")
    p = SimParams(market_size=20_000, months=24, seed=3, churn=0.2)
    bare = simulate(plan_of(base).model, p).summary
    bb = simulate(plan_of(base.replace("500}}", "500}, buyback: {rate: 0.9, window_days: "
                                       "365}}")).model, p).summary
    co = simulate(plan_of(base + "cooling_off: {days: 14}\n").model, p).summary
    assert bare["refunds"] == 0
    assert bb["refunds"] > 0 and co["refunds"] > 0
    assert bb["median_net"] > bare["median_net"]


def test_monthly_rows_are_consistent(sample):
    r = simulate(sample["headcount-pyramid"].model, SimParams(market_size=10_000, months=30,
                                                              seed=2))
    parts = [row["participants"] for row in r.monthly]
    assert parts == sorted(parts) and parts[-1] == r.summary["participants"] <= 10_000
    assert sum(row["joined"] for row in r.monthly) == parts[-1]
    assert all(row["active"] <= row["participants"] for row in r.monthly)
    assert r.summary["payouts"] == sum(row["payouts"] for row in r.monthly)
    assert np.all(r.parent[r.parent >= 0] < np.flatnonzero(r.parent >= 0))
