"""The scans the money checks share (mlm_audit.metrics.attribution)."""

import polars as pl

from mlm_audit.metrics import attribution as attr
from mlm_audit.metrics import periods

AGENTS = [
    {"agent_id": "A", "sponsor_id": "", "joined_at": "2024-01-01"},
    {"agent_id": "B", "sponsor_id": "A", "joined_at": "2024-02-01"},
    {"agent_id": "C", "sponsor_id": "B", "joined_at": "2024-02-01"},
]
ORDERS = [
    {"order_id": "k", "buyer_id": "C", "amount": 500, "ordered_at": "2024-02-01",
     "kind": "starter_kit"},
    {"order_id": "s", "buyer_id": "B", "amount": 1000, "ordered_at": "2024-02-10",
     "kind": "stock_up", "returned_amount": 100},
    {"order_id": "r", "buyer_id": "x", "seller_id": "B", "amount": 600,
     "ordered_at": "2024-02-11", "kind": "retail"},
    {"order_id": "u", "buyer_id": "C", "seller_id": "B", "amount": 50,
     "ordered_at": "2024-03-11", "kind": "self_purchase"},
]


def test_money_and_period_labels():
    assert periods.money_text(120050) == "1,200.50"
    assert periods.money_text(-5) == "-0.05"
    assert periods.money("x", 7) == {"x": 7, "x_display": "0.07"}
    assert periods.period_label(2024 * 12 + 2, "month") == "2024-03"
    assert periods.period_label(2024 * 4 + 3, "quarter") == "2024-Q4"
    assert periods.period_label(2024, "year") == "2024"
    assert periods.period_label(0, "all") == "all"


def test_payout_sources_infers_source_and_generation(make_network):
    net = make_network(AGENTS, ORDERS, [
        {"payout_id": "p1", "recipient_id": "A", "amount": 10, "source_order_id": "k"},
        {"payout_id": "p2", "recipient_id": "B", "amount": 10, "source_order_id": "r"},
        {"payout_id": "p3", "recipient_id": "A", "amount": 10, "source_agent_id": "C",
         "kind": "recruitment_bonus"},
        {"payout_id": "p4", "recipient_id": "A", "amount": 10},
    ])
    src = attr.payout_sources(net, 30)
    got = set(src.select("recipient_idx", "kind", "gen", "src_external", "funded_by", "n")
              .iter_rows())
    assert got == {  # p1 is attributed through its order's buyer C, p2 through B (seller)
        (0, None, 2, False, "starter_kit", 1), (1, None, 0, True, None, 1),
        (0, "recruitment_bonus", 2, None, "recruitment_bonus", 1), (0, None, -1, None, None, 1),
    }


def test_order_flows_per_agent_and_period(make_network):
    net = make_network(AGENTS, ORDERS, [])
    flows = attr.order_flows(net, "month").sort("idx", "pk")
    b_feb = flows.filter((pl.col("idx") == 1) & (pl.col("pk") == 2024 * 12 + 1)).row(0, named=True)
    assert b_feb["stock_up"] == 900 and b_feb["resold"] == 600 and b_feb["ext"] == 600
    parts = attr.external_share_parts(net, "month")
    feb = parts.filter(pl.col("pk") == 2024 * 12 + 1)
    # B: 900 stock, 600 resold -> 300 unsold; C: kit 500
    assert feb["internal"].sum() == 800 and feb["ext"].sum() == 600
    sums = attr.downline_period_sums(net, parts, 2024 * 12 + 2, ("internal",))
    assert sums["internal"].tolist() == [50, 50, 50]


def test_source_join_views_agree_and_survive_duplicate_order_ids(make_network):
    from mlm_audit.metrics import windows

    net = make_network(AGENTS, ORDERS, [
        {"payout_id": "p1", "recipient_id": "A", "amount": 10, "source_order_id": "k"},
        {"payout_id": "p2", "recipient_id": "B", "amount": 10, "source_order_id": "r"},
        {"payout_id": "p3", "recipient_id": "A", "amount": 10, "source_order_id": "gone"},
        {"payout_id": "p4", "recipient_id": "A", "amount": 10},
    ])
    retail = pl.concat([net.pays.select(pl.col("idx"), "amount"), windows.payout_sources(net)],
                       how="horizontal")
    rows = set(retail.iter_rows())
    assert rows == {(0, 10, True, False, "starter_kit"), (1, 10, True, True, "retail"),
                    (0, 20, False, False, None)}  # p3 (no such order) and p4 share a group
    assert retail["src_kind"].to_list() == attr.payout_sources(net)["src_kind"].to_list()
    # a repeated order id: the first order counts (the later row is a duplicate_id issue)
    dup_orders = [*ORDERS, {**next(o for o in ORDERS if o["order_id"] == "r"), "kind": "fee"}]
    dup = make_network(AGENTS, dup_orders, [
        {"payout_id": "p2", "recipient_id": "B", "amount": 10, "source_order_id": "r"}])
    assert windows.payout_sources(dup)["src_kind"].to_list() == ["retail"]
    assert dup.facts.sample("orders", "duplicate_id", "order_id").count == 1  # type: ignore[union-attr]
