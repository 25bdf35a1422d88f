"""non_retail_rewards: share of rewards not based on external retail sales."""

from __future__ import annotations

from mlm_audit.checks import non_retail_rewards
from tests.checks._build_b import build, star

P = non_retail_rewards.Params
ORDERS = [
    {"order_id": "O1", "buyer_id": "C1", "seller_id": "R1", "amount": 10_000},  # ext retail
    {"order_id": "O2", "buyer_id": "R2", "seller_id": None, "amount": 10_000,
     "kind": "stock_up"},  # internal
]


def _net(retail_pay: int, internal_pay: int, unlinked_kind: str | None = None):
    payouts = [
        {"recipient_id": "R1", "amount": retail_pay, "kind": "override",
         "source_agent_id": "R1", "source_order_id": "O1"},
        {"recipient_id": "R", "amount": internal_pay, "kind": "override",
         "source_agent_id": "R2", "source_order_id": "O2"},
    ]
    if unlinked_kind:
        payouts.append({"recipient_id": "R2", "amount": 1000, "kind": unlinked_kind,
                        "source_agent_id": "R2"})
    return build(star(2), ORDERS, payouts)


def test_fires_when_more_than_a_third_is_non_retail() -> None:
    found = list(non_retail_rewards.run(_net(600, 400), P()))
    assert found[0].subject.kind == "network"
    assert found[0].evidence["share"] == 0.4
    assert found[0].evidence["non_retail_by_kind"] == {"override": 400}
    assert [f.subject.id for f in found[1:]] == ["R"]
    assert found[1].evidence["chain"] == ["R"]


def test_boundary_and_benign() -> None:
    assert list(non_retail_rewards.run(_net(2, 1), P(max_share=1 / 3))) == []
    assert list(non_retail_rewards.run(_net(1000, 0), P())) == []


def test_unlinked_retail_commission_is_trusted_only_when_asked() -> None:
    net = _net(1000, 0, unlinked_kind="retail_commission")
    assert list(non_retail_rewards.run(net, P())) == []
    strict = list(non_retail_rewards.run(net, P(count_unlinked_retail_commission=False)))
    assert strict and strict[0].evidence["share"] == 0.5


def test_unlinked_bonus_is_non_retail() -> None:
    found = list(non_retail_rewards.run(_net(1000, 0, unlinked_kind="recruitment_bonus"), P()))
    assert found and found[0].evidence["non_retail"] == 1000


def test_downline_scope_ignores_own_sales() -> None:
    net = _net(100_000, 400)
    assert list(non_retail_rewards.run(net, P(max_share=0.5))) == []
    found = list(non_retail_rewards.run(net, P(max_share=0.5, scope="downline")))
    assert found[0].evidence["share"] == 1.0 and found[0].evidence["total"] == 400
