"""Edge cases shared by the recruitment and money checks: empty or undated tables."""

import pytest

from mlm_audit.checks import REGISTRY

CHECKS = ("recruitment_surge", "deep_commissions", "recruitment_rewards", "entry_payments",
          "inventory_loading", "internal_sales")
AGENTS = [{"agent_id": "A", "sponsor_id": ""}, {"agent_id": "B", "sponsor_id": "A"}]


@pytest.mark.parametrize("check", CHECKS)
def test_empty_orders_and_payouts_yield_nothing(make_network, check):
    ct = REGISTRY[check]
    net = make_network(AGENTS, [], [])
    assert list(ct.run(net, ct.params())) == []


@pytest.mark.parametrize("check", CHECKS)
def test_undated_rows_fall_out_of_dated_windows(make_network, check):
    ct = REGISTRY[check]
    net = make_network(
        AGENTS,
        [{"order_id": "o", "buyer_id": "B", "amount": 100, "kind": "stock_up"}],
        [{"payout_id": "p", "recipient_id": "A", "amount": 10, "source_agent_id": "B"}],
    )
    assert list(ct.run(net, ct.params())) == []


def test_undated_rows_count_in_the_all_window(make_network):
    ct = REGISTRY["inventory_loading"]
    net = make_network(
        AGENTS, [{"order_id": "o", "buyer_id": "B", "amount": 100, "kind": "stock_up"}], [])
    found = list(ct.run(net, ct.params(window="all", require_earnings=False)))
    assert [(f.subject.id, f.period) for f in found] == [("*", None), ("B", None)]


@pytest.mark.parametrize("check", CHECKS)
def test_documented_and_parameters_described(check):
    ct = REGISTRY[check]
    assert "Example::" in ct.doc and "Evidence" in ct.doc and "References" in ct.doc
    for name, field in ct.params.model_fields.items():
        assert field.description, f"{check}.{name} has no description"
