from mlm_audit.checks import recruitment_rewards as check

AGENTS = [
    {"agent_id": "A", "sponsor_id": "", "joined_at": "2024-01-01"},
    {"agent_id": "B", "sponsor_id": "A", "joined_at": "2024-03-01"},
    {"agent_id": "C", "sponsor_id": "B", "joined_at": "2024-03-01"},
    {"agent_id": "R", "sponsor_id": "", "joined_at": "2024-01-01"},
    {"agent_id": "S", "sponsor_id": "R", "joined_at": "2024-01-01"},
]
ORDERS = [
    {"order_id": "kit-B", "buyer_id": "B", "amount": 100_00, "ordered_at": "2024-03-01",
     "kind": "starter_kit"},
    {"order_id": "early-C", "buyer_id": "C", "amount": 50_00, "ordered_at": "2024-03-20",
     "kind": "stock_up"},
    {"order_id": "late-C", "buyer_id": "C", "amount": 50_00, "ordered_at": "2024-06-20",
     "kind": "stock_up"},
    {"order_id": "ret-S", "buyer_id": "cust", "seller_id": "S", "amount": 100_00,
     "ordered_at": "2024-03-20", "kind": "retail"},
]


def pay(pid, to, amount, kind="override", src=None, order=None):
    return {"payout_id": pid, "recipient_id": to, "amount": amount, "paid_at": "2024-03-31",
            "kind": kind, "source_agent_id": src, "source_order_id": order}


def run(net, **params):
    return list(check.run(net, check.Params(**params)))


def test_example_validates(yaml_example):
    for rule in yaml_example(check):
        assert rule["check"] == "recruitment_rewards"
        check.Params(**rule["params"])


def test_recruitment_funded_pyramid_fires_network_and_organization(make_network):
    net = make_network(AGENTS, ORDERS, [
        pay("p1", "A", 30_00, "recruitment_bonus", "B"),
        pay("p2", "A", 20_00, src="B", order="kit-B"),
        pay("p3", "B", 10_00, src="C", order="early-C"),
        pay("p4", "B", 10_00, src="C", order="late-C"),
        pay("p5", "S", 10_00, "retail_commission", "S", "ret-S"),
    ])
    found = run(net)
    assert [(f.subject.kind, f.subject.id) for f in found] == [
        ("network", "*"), ("organization", "A")]
    net_ev = found[0].evidence
    assert net_ev["recruit_funded"] == 60_00 and net_ev["total"] == 80_00
    assert net_ev["share"] == 0.75
    assert net_ev["by_source"] == {"recruitment_bonus": 30_00, "starter_kit": 20_00, "fee": 0,
                                   "entry_window": 10_00}
    assert net_ev["top_recipients"][0] == {"agent_id": "A", "amount": 50_00,
                                           "amount_display": "50.00"}
    org = found[1].evidence
    assert org["share"] == round(60 / 70, 4) and org["root_id"] == "A" and org["agents"] == 3


def test_retail_commissions_are_benign(make_network):
    net = make_network(AGENTS, ORDERS, [
        pay("p1", "S", 10_00, "retail_commission", "S", "ret-S"),
        pay("p2", "R", 2_00, "retail_commission", "S", "ret-S"),
    ])
    assert run(net) == []
    assert run(net, max_share=0.0) == []


def test_entry_window_off_and_own_purchases_do_not_count(make_network):
    payouts = [pay("p1", "B", 10_00, src="C", order="early-C"),
               pay("p2", "C", 10_00, "other", "C", "early-C")]
    net = make_network(AGENTS, ORDERS, payouts)
    assert run(net, entry_window_days=0) == []
    found = run(net, scope="network", max_share=0.4)
    assert found[0].evidence["recruit_funded"] == 10_00 and found[0].evidence["share"] == 0.5
    assert run(net, scope="network", max_share=0.5) == []


def test_boundary_share_exactly_at_threshold(make_network):
    net = make_network(AGENTS, ORDERS, [
        pay("p1", "A", 50_00, "recruitment_bonus", "B"),
        pay("p2", "A", 50_00, "retail_commission"),
    ])
    assert run(net, max_share=0.5) == []
    assert len(run(net, max_share=0.4999)) == 2


def test_boundary_entry_window_days(make_network):
    # early-C is 19 days after C joined
    net = make_network(AGENTS, ORDERS, [pay("p1", "B", 10_00, src="C", order="early-C")])
    assert run(net, entry_window_days=18) == []
    assert len(run(net, entry_window_days=19, scope="network")) == 1


def test_organization_scope_min_total_and_cap(make_network):
    net = make_network(AGENTS, ORDERS, [
        pay("p1", "A", 30_00, "recruitment_bonus", "B"),
        pay("p2", "R", 10_00, "recruitment_bonus", "S"),
    ])
    orgs = run(net, scope="organization")
    assert [f.subject.id for f in orgs] == ["A", "R"]
    assert [f.subject.id for f in run(net, scope="organization", min_total=30_00)] == ["A"]
    capped = run(net, max_findings=1)
    assert capped[0].evidence["organizations_over"] == 2
    assert capped[0].evidence["not_itemized"] == 1
    assert [f.subject.id for f in capped] == ["*", "A"]
