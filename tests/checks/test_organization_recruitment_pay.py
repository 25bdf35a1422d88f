"""organization_size_and_depth with requires_recruitment_pay (CN-CR-01's headcount element)."""

from __future__ import annotations

from mlm_audit.checks import organization_size_and_depth as osd
from tests.checks._build_b import build, chain

P = osd.Params


def _net(payout_kind: str | None, source_order: str | None = None):
    agents = [{"agent_id": a, "sponsor_id": s, "fees_paid": 100} for a, s in chain(3)]
    orders = [{"order_id": "K1", "buyer_id": "A3", "amount": 900, "kind": "starter_kit"},
              {"order_id": "S1", "buyer_id": "A3", "amount": 900, "kind": "self_purchase"}]
    payouts = [] if payout_kind is None else [
        {"recipient_id": "A2", "amount": 90, "kind": payout_kind, "source_agent_id": "A3",
         "source_order_id": source_order}]
    return build(agents, orders, payouts)


def test_structure_alone_qualifies_without_the_element() -> None:
    assert len(list(osd.run(_net(None), P(min_participants=3, min_levels=3)))) == 1


def test_requires_recruitment_pay() -> None:
    params = P(min_participants=3, min_levels=3, requires_recruitment_pay=True)
    assert list(osd.run(_net(None), params)) == []
    assert list(osd.run(_net("override", "S1"), params)) == []
    (f,) = osd.run(_net("recruitment_bonus"), params)
    assert f.subject.id == "A1" and f.evidence["recruit_pay"] == 90
    (g,) = osd.run(_net("override", "K1"), params)  # pay sourced from a starter kit
    assert g.evidence["recruit_pay"] == 90


def test_counting_is_inclusive_with_organizer() -> None:
    params = P(min_participants=4, min_levels=3, requires_recruitment_pay=True)
    assert list(osd.run(_net("recruitment_bonus"), params)) == []
