"""payout_cap: per-agent 30% of own external retail; company-level annual caps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mlm_audit.checks import payout_cap
from tests.checks._build_b import build, day, star

P = payout_cap.Params


def _net(paid: int, sold: int, kind: str = "retail", buyer: str = "C1"):
    orders = [{"buyer_id": buyer, "seller_id": "R1", "amount": sold, "kind": kind,
               "ordered_at": day(5)}]
    payouts = [{"recipient_id": "R1", "amount": paid, "kind": "retail_commission",
                "source_agent_id": "R1", "paid_at": day(25)}]
    return build(star(2), orders, payouts)


def test_fires_above_cap_with_agent_and_period() -> None:
    found = list(payout_cap.run(_net(paid=301, sold=1000), P(max_ratio=0.3)))
    assert [f.subject.kind for f in found] == ["network", "agent"]
    agent = found[1]
    assert agent.subject.id == "R1" and agent.period == "2024-01"
    assert agent.evidence["ratio"] == 0.301 and agent.evidence["excess"] == 1
    assert agent.evidence["chain"] == ["R", "R1"]
    assert found[0].evidence["agent_periods_over"] == 1


def test_boundary_exactly_at_cap_is_quiet() -> None:
    assert list(payout_cap.run(_net(paid=300, sold=1000), P(max_ratio=0.3))) == []


def test_sales_to_participants_are_not_a_base() -> None:
    # R2 is a participant: selling to it is not retail to an external customer
    found = list(payout_cap.run(_net(paid=100, sold=1000, buyer="R2"), P(max_ratio=0.3)))
    assert found[1].evidence["ratio"] is None and found[1].evidence["base"] == 0


def test_vat_rate_shrinks_the_base() -> None:
    net = _net(paid=290, sold=1000)
    assert list(payout_cap.run(net, P(max_ratio=0.3))) == []
    found = list(payout_cap.run(net, P(max_ratio=0.3, vat_rate=0.13)))
    assert found[1].evidence["base"] == 885  # 1000 / 1.13


def test_max_findings_caps_itemized_agents() -> None:
    net = _net(paid=900, sold=1000)
    found = list(payout_cap.run(net, P(max_ratio=0.3, max_findings=0)))
    assert [f.subject.kind for f in found] == ["network"]


def test_company_revenue_year_cap() -> None:
    orders = [{"buyer_id": "C1", "seller_id": "R1", "amount": 1000, "ordered_at": day(5)},
              {"buyer_id": "R2", "seller_id": None, "amount": 500, "kind": "fee",
               "ordered_at": day(6)}]
    payouts = [{"recipient_id": "R1", "amount": 401, "paid_at": day(40)}]
    net = build(star(2), orders, payouts)
    found = list(payout_cap.run(net, P(max_ratio=0.4, base="company_revenue", window="year")))
    assert len(found) == 1 and found[0].subject.kind == "network"
    assert found[0].period == "2024" and found[0].evidence["base"] == 1000  # fee excluded
    quiet = build(star(2), orders, [{"recipient_id": "R1", "amount": 400, "paid_at": day(40)}])
    assert list(payout_cap.run(quiet, P(max_ratio=0.4, base="company_revenue",
                                        window="year"))) == []


def test_supplied_to_salespeople_excludes_company_sales_to_outsiders() -> None:
    orders = [{"buyer_id": "C1", "seller_id": None, "amount": 10_000, "ordered_at": day(5)},
              {"buyer_id": "R1", "seller_id": None, "amount": 1000, "kind": "stock_up",
               "ordered_at": day(5)}]
    payouts = [{"recipient_id": "R", "amount": 351, "paid_at": day(40)}]
    net = build(star(2), orders, payouts)
    found = list(payout_cap.run(net, P(max_ratio=0.35, base="supplied_to_salespeople",
                                       window="year")))
    assert found and found[0].evidence["base"] == 1000


def test_params_are_bounded() -> None:
    with pytest.raises(ValidationError):
        P(max_ratio=0)
    with pytest.raises(ValidationError):
        P(max_ratio=0.3, window="week")
