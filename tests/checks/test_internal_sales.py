from mlm_audit.checks import internal_sales as check

AGENTS = [
    {"agent_id": "A", "sponsor_id": "", "joined_at": "2024-01-01"},
    {"agent_id": "B", "sponsor_id": "A", "joined_at": "2024-01-01"},
    {"agent_id": "C", "sponsor_id": "B", "joined_at": "2024-01-01"},
]


def order(oid, buyer, amount, kind="retail", seller=None, date="2024-03-05"):
    return {"order_id": oid, "buyer_id": buyer, "seller_id": seller, "amount": amount,
            "ordered_at": date, "kind": kind}


def pay(pid, to, amount=10_00, date="2024-03-31"):
    return {"payout_id": pid, "recipient_id": to, "amount": amount, "paid_at": date,
            "kind": "override"}


def run(net, **params):
    params.setdefault("min_orders", 0)
    return list(check.run(net, check.Params(**params)))


def test_example_validates(yaml_example):
    for rule in yaml_example(check):
        assert rule["check"] == "internal_sales"
        check.Params(**rule["params"])


def test_internal_consumption_fires_network_and_paid_uplines(make_network):
    orders = [order("k", "C", 100_00, "starter_kit"), order("u", "B", 100_00, "self_purchase"),
              order("r", "cust", 50_00, seller="B")]
    net = make_network(AGENTS, orders, [pay("p1", "A"), pay("p2", "B"), pay("p3", "C")])
    found = run(net)
    keys = [(f.subject.kind, f.subject.id, f.period) for f in found]
    assert keys == [("network", "*", "2024-03"), ("network", "*", None),
                    ("agent", "A", "2024-03"), ("agent", "B", "2024-03")]
    assert found[0].evidence["external_share"] == 0.2
    assert found[0].evidence["internal"] == 200_00
    b = found[3].evidence
    assert b["external_share"] == 0.2 and b["chain"] == ["A", "B"] and b["downline_size"] == 2
    assert found[1].evidence["agent_periods"] == 2


def test_wholesale_then_retail_is_benign(make_network):
    orders = [order("s", "B", 100_00, "stock_up"), order("r1", "cust", 130_00, seller="B"),
              order("r2", "cust2", 100_00, seller="C"), order("r3", "cust3", 20_00)]
    net = make_network(AGENTS, orders, [pay("p1", "A"), pay("p2", "B")])
    assert run(net) == []


def test_unsold_stock_counts_as_internal(make_network):
    orders = [order("s", "B", 100_00, "stock_up"), order("r1", "cust", 60_00, seller="B")]
    found = run(make_network(AGENTS, orders, []))
    assert found[0].evidence["internal"] == 40_00 and found[0].evidence["external"] == 60_00


def test_boundary_network_share(make_network):
    orders = [order("u", "B", 20_00, "self_purchase"), order("r", "cust", 80_00, seller="B")]
    net = make_network(AGENTS, orders, [])
    assert run(net, min_external_share=0.8) == []
    assert run(net, min_external_share=0.8001)[0].evidence["external_share"] == 0.8


def test_boundary_per_agent_majority(make_network):
    orders = [order("u", "C", 50_00, "self_purchase"), order("r", "cust", 50_00, seller="C")]
    net = make_network(AGENTS, orders, [pay("p", "B")])
    strict = run(net, min_external_share=0.0)
    assert [(f.subject.id, f.period) for f in strict] == [("*", None), ("B", "2024-03")]
    assert run(net, min_external_share=0.0, per_agent_strict=False) == []
    assert run(net, min_external_share=0.0, per_agent_min_external_share=0.49) == []
    assert run(net, min_external_share=0.0, per_agent_min_external_share=None) == []


def test_min_revenue_windows_and_cap(make_network):
    orders = [order("u", "C", 50_00, "self_purchase", date="2024-03-01"),
              order("v", "C", 50_00, "self_purchase", date="2024-05-01")]
    net = make_network(AGENTS, orders, [pay("p", "B", date="2024-03-31"),
                                         pay("q", "A", date="2024-05-31")])
    assert run(net, min_revenue=50_01) == []
    quarterly = run(net, window="quarter")
    assert [(f.subject.id, f.period) for f in quarterly] == [
        ("*", "2024-Q1"), ("*", "2024-Q2"), ("*", None), ("A", "2024-Q2"), ("B", "2024-Q1")]
    capped = run(net, max_findings=1, min_external_share=0.0)
    assert [f.subject.id for f in capped] == ["*", "A"]
    assert capped[0].evidence["not_itemized"] == 1


def test_boundary_min_orders(make_network):
    orders = [order(f"u{i}", "C", 10_00, "self_purchase") for i in range(3)]
    net = make_network(AGENTS, orders, [pay("p", "B")])
    assert run(net, min_orders=4) == []
    found = run(net, min_orders=3)
    assert [(f.subject.id, f.period) for f in found] == [
        ("*", "2024-03"), ("*", None), ("B", "2024-03")]
    assert found[2].evidence["orders"] == 3
