from mlm_audit.checks import REGISTRY
from mlm_audit.checks import deep_commissions as check

CHAIN = [
    {"agent_id": "A", "sponsor_id": "", "joined_at": "2024-01-01"},
    {"agent_id": "B", "sponsor_id": "A", "joined_at": "2024-01-02"},
    {"agent_id": "C", "sponsor_id": "B", "joined_at": "2024-01-03"},
    {"agent_id": "D", "sponsor_id": "C", "joined_at": "2024-01-04"},
]
ORDERS = [
    {"order_id": "o1", "buyer_id": "cust1", "seller_id": "B", "amount": 10_000,
     "ordered_at": "2024-02-01", "kind": "retail"},
    {"order_id": "o2", "buyer_id": "D", "seller_id": "", "amount": 50_000,
     "ordered_at": "2024-02-01", "kind": "stock_up"},
]


def pay(pid, to, src, amount, kind="override", order=None):
    return {"payout_id": pid, "recipient_id": to, "source_agent_id": src, "amount": amount,
            "paid_at": "2024-02-28", "kind": kind, "source_order_id": order}


def run(net, **params):
    return list(check.run(net, check.Params(**params)))


def test_registered_and_example_validates(yaml_example):
    assert REGISTRY["deep_commissions"].needs == ("payouts",)
    for rule in yaml_example(check):
        assert rule["check"] == "deep_commissions"
        check.Params(**rule["params"])


def test_deep_override_fires_and_names_recipient(make_network):
    net = make_network(CHAIN, ORDERS, [
        pay("p1", "A", "D", 3_000, order="o2"),       # gen 3
        pay("p2", "C", "D", 2_000, order="o2"),       # gen 1
        pay("p3", "B", "B", 1_000, "retail_commission", "o1"),  # gen 0
    ])
    found = run(net)
    assert [f.subject.kind for f in found] == ["network", "agent"]
    ev = found[0].evidence
    assert ev["paid_depth"] == 3
    assert ev["amount_beyond"] == 3_000 and ev["amount_beyond_display"] == "30.00"
    assert ev["share_beyond"] == 0.5
    assert ev["by_generation"] == {"0": 1_000, "1": 2_000, "3": 3_000}
    assert ev["cps_external_only"] is False
    assert ev["by_organization"] == [{"root_id": "A", "recipients": 1, "amount_beyond": 3_000,
                                      "amount_beyond_display": "30.00"}]
    agent = found[1]
    assert agent.subject.id == "A"
    assert agent.evidence["chain"] == ["A"] and agent.evidence["paid_depth"] == 3


def test_cps_one_level_on_external_buyers_is_benign(make_network):
    net = make_network(CHAIN, ORDERS, [
        pay("p1", "A", "B", 500, "retail_commission", "o1"),
        pay("p2", "B", "B", 1_000, "retail_commission", "o1"),
    ])
    assert run(net) == []
    # with own-sales-only, the same pay fires but is flagged as one-level CPS
    found = run(net, max_generations=0)
    assert found[0].evidence["cps_external_only"] is True
    assert found[0].evidence["amount_beyond"] == 500
    assert run(net, max_generations=0, exempt_cps=True) == []


def test_one_level_on_reseller_purchase_is_not_cps(make_network):
    net = make_network(CHAIN, ORDERS, [pay("p1", "C", "D", 700, order="o2")])
    found = run(net, max_generations=0, exempt_cps=True)
    assert found and found[0].evidence["cps_external_only"] is False


def test_boundary_generation_at_limit_and_beyond(make_network):
    at_limit = make_network(CHAIN, ORDERS, [pay("p1", "B", "D", 100)])   # gen 2
    assert run(at_limit, max_generations=2) == []
    assert run(at_limit, max_generations=1)[0].evidence["paid_depth"] == 2


def test_boundary_min_amount(make_network):
    net = make_network(CHAIN, ORDERS, [pay("p1", "A", "D", 100)])
    assert run(net, min_amount=100) == []
    assert len(run(net, min_amount=99)) == 2


def test_source_inferred_from_order_without_source_agent(make_network):
    net = make_network(CHAIN, ORDERS, [pay("p1", "A", None, 100, order="o2")])
    found = run(net)
    assert found[0].evidence["paid_depth"] == 3


def test_findings_capped_with_count_of_the_rest(make_network):
    net = make_network(CHAIN, ORDERS, [
        pay("p1", "A", "D", 300), pay("p2", "A", "C", 100), pay("p3", "B", "D", 200),
    ])
    found = run(net, max_findings=1)
    assert [f.subject.id for f in found] == ["*", "A"]
    assert found[0].evidence["recipients_beyond"] == 2
    assert found[0].evidence["not_itemized"] == 1
    assert found[1].evidence["amount_beyond"] == 400


def test_cross_line_and_unknown_sources_are_unattributed(make_network):
    agents = CHAIN + [{"agent_id": "X", "sponsor_id": "", "joined_at": "2024-01-01"}]
    net = make_network(agents, ORDERS, [pay("p1", "X", "D", 100), pay("p2", "A", None, 50)])
    assert run(net) == []
