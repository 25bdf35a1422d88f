from mlm_audit.checks import entry_payments as check


def agents(n, fee_for=(), root="A"):
    rows = [{"agent_id": root, "sponsor_id": "", "joined_at": "2024-01-01",
             "fees_paid": 99_00 if root in fee_for else 0}]
    for i in range(1, n):
        aid = f"{root}{i}"
        rows.append({"agent_id": aid, "sponsor_id": root, "joined_at": "2024-02-10",
                     "fees_paid": 99_00 if aid in fee_for else 0})
    return rows


def kit(buyer, amount=300_00, date="2024-02-10", kind="starter_kit", oid=None):
    return {"order_id": oid or f"k-{buyer}-{kind}", "buyer_id": buyer, "amount": amount,
            "ordered_at": date, "kind": kind}


def run(net, **params):
    return list(check.run(net, check.Params(**params)))


def test_example_validates(yaml_example):
    for rule in yaml_example(check):
        assert rule["check"] == "entry_payments"
        check.Params(**rule["params"])


def test_everyone_pays_to_join_fires(make_network):
    rows = agents(5, fee_for={"A1", "A2"})
    orders = [kit("A3"), kit("A4"), kit("A4", 10_00, kind="fee"), kit("A", 500_00)]
    found = run(make_network(rows, orders))
    assert len(found) == 1
    ev = found[0].evidence
    assert ev["paying"] == 5 and ev["share_paying"] == 1.0
    assert ev["by_component"] == {"fees_paid": 198_00, "starter_kit": 1100_00,
                                  "fee_orders": 10_00, "first_purchases": 0}
    assert ev["total_entry"] == 1308_00 and ev["median_entry"] == 300_00
    assert ev["top_payers"][0] == {"agent_id": "A", "entry": 500_00, "entry_display": "500.00"}
    assert ev["top_organizations"][0]["root_id"] == "A"
    assert ev["by_cohort"]["2024-02"] == {"agents": 4, "paying": 4, "share": 1.0}


def test_free_signup_with_retail_purchases_is_benign(make_network):
    rows = agents(5)
    orders = [kit("A1", 20_00, kind="self_purchase"), kit("cust", 20_00, kind="retail")]
    assert run(make_network(rows, orders)) == []
    assert run(make_network(rows)) == []


def test_disguised_entry_first_purchase_window(make_network):
    rows = agents(5)
    orders = [kit(f"A{i}", 200_00, date="2024-02-15", kind="stock_up") for i in range(1, 5)]
    orders.append(kit("A", 200_00, date="2024-01-03", kind="self_purchase"))
    net = make_network(rows, orders)
    assert run(net) == []
    assert run(net, first_purchase_window_days=4) == []  # A1..A4 bought 5 days after joining
    found = run(net, first_purchase_window_days=5)
    assert found[0].evidence["by_component"]["first_purchases"] == 1000_00
    assert found[0].evidence["paying"] == 5


def test_boundary_share_at_threshold(make_network):
    # 4 of 5 agents pay: share exactly 0.8
    rows = agents(5)
    net = make_network(rows, [kit(f"A{i}") for i in range(1, 5)])
    assert run(net, max_share_paying=0.8) == []
    assert run(net, max_share_paying=0.79)[0].evidence["share_paying"] == 0.8
    assert run(net, max_share_paying=0.0)[0].evidence["paying"] == 4


def test_boundary_min_amount(make_network):
    rows = agents(2)
    net = make_network(rows, [kit("A", 50), kit("A1", 50)])
    assert run(net, min_amount=51) == []
    assert run(net, min_amount=50)[0].evidence["paying"] == 2
