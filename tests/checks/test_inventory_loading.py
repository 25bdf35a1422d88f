from mlm_audit.checks import inventory_loading as check

AGENTS = [
    {"agent_id": "A", "sponsor_id": "", "joined_at": "2024-01-01"},
    {"agent_id": "B", "sponsor_id": "A", "joined_at": "2024-01-01"},
    {"agent_id": "C", "sponsor_id": "B", "joined_at": "2024-01-01"},
]


def order(oid, buyer, amount, kind, date="2024-03-05", seller=None):
    return {"order_id": oid, "buyer_id": buyer, "seller_id": seller, "amount": amount,
            "ordered_at": date, "kind": kind}


def pay(pid, to, amount=10_00, date="2024-03-31"):
    return {"payout_id": pid, "recipient_id": to, "amount": amount, "paid_at": date,
            "kind": "override"}


def run(net, **params):
    return list(check.run(net, check.Params(**params)))


def test_example_validates(yaml_example):
    for rule in yaml_example(check):
        assert rule["check"] == "inventory_loading"
        check.Params(**rule["params"])


def test_stock_loading_while_earning_fires(make_network):
    orders = [
        order("s1", "C", 1000_00, "stock_up"),
        order("r1", "cust", 100_00, "retail", seller="C"),
        order("s2", "B", 100_00, "stock_up"),
        order("r2", "cust", 130_00, "retail", seller="B"),
    ]
    net = make_network(AGENTS, orders, [pay("p1", "C"), pay("p2", "B")])
    found = run(net)
    assert [(f.subject.kind, f.subject.id, f.period) for f in found] == [
        ("network", "*", None), ("agent", "C", "2024-03")]
    ev = found[1].evidence
    assert ev["resale_ratio"] == 0.1 and ev["unsold"] == 900_00
    assert ev["unsold_display"] == "900.00" and ev["chain"] == ["A", "B", "C"]
    assert found[0].evidence["worst"] == ["C"] and found[0].evidence["agent_windows"] == 1


def test_non_earning_agent_or_reseller_is_benign(make_network):
    orders = [order("s1", "C", 1000_00, "stock_up"), order("s2", "B", 100_00, "stock_up"),
              order("r2", "cust", 80_00, "retail", seller="B")]
    net = make_network(AGENTS, orders, [pay("p2", "B")])
    assert run(net) == []
    assert [f.subject.id for f in run(net, require_earnings=False)] == ["*", "C"]


def test_personal_use_is_credited_unless_strict(make_network):
    orders = [order("u1", "B", 100_00, "self_purchase"), order("s2", "B", 100_00, "stock_up"),
              order("r2", "cust", 50_00, "retail", seller="B")]
    net = make_network(AGENTS, orders, [pay("p2", "B")])
    assert run(net) == []  # (50 + 100) / 200 = 0.75
    strict = run(net, count_self_purchase=False)
    assert strict[1].evidence["resale_ratio"] == 0.25
    assert run(net, count_self_purchase=False, personal_use_allowance=0.45) == []


def test_boundary_ratio_exactly_at_threshold(make_network):
    orders = [order("s", "B", 100_00, "stock_up"),
              order("r", "cust", 70_00, "retail", seller="B")]
    net = make_network(AGENTS, orders, [pay("p", "B")])
    assert run(net, min_resale_ratio=0.7) == []
    assert run(net, min_resale_ratio=0.7001)[1].evidence["resale_ratio"] == 0.7


def test_boundary_min_purchased_and_windows(make_network):
    orders = [order("s", "B", 100_00, "stock_up", date="2024-03-30"),
              order("r", "cust", 100_00, "retail", date="2024-04-02", seller="B")]
    net = make_network(AGENTS, orders, [pay("p", "B", date="2024-03-31"),
                                         pay("q", "B", date="2024-04-30")])
    assert run(net, min_purchased=100_01) == []
    assert run(net, min_purchased=100_00)[1].period == "2024-03"
    assert run(net, window="quarter")[1].period == "2024-Q1"
    assert run(net, window="year") == []
    assert run(net, window="all") == []


def test_cap_counts_the_rest(make_network):
    orders = [order("s1", "B", 100_00, "stock_up"), order("s2", "C", 200_00, "stock_up")]
    net = make_network(AGENTS, orders, [pay("p1", "B"), pay("p2", "C")])
    found = run(net, max_findings=1)
    assert [f.subject.id for f in found] == ["*", "C"]  # larger unsold first at equal ratio
    assert found[0].evidence["not_itemized"] == 1 and found[0].evidence["agents"] == 2


def test_pay_settled_in_a_later_window_still_counts_as_earning(make_network):
    orders = [order("s1", "C", 1000_00, "stock_up", date="2024-03-05")]
    net = make_network(AGENTS, orders, [pay("p1", "C", date="2024-07-03")])
    found = run(net)
    assert found[1].period == "2024-03"
    assert found[1].evidence["earned"] == 0 and found[1].evidence["earned_total"] == 10_00


def test_needs_orders_and_payouts():
    from mlm_audit.checks import REGISTRY

    assert REGISTRY["inventory_loading"].needs == ("orders", "payouts")
    assert REGISTRY["internal_sales"].needs == ("orders",)
