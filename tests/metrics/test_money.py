"""Per-agent money on a hand-computed example (regulations.md §0: EXT vs INTERNAL, ENTRY,
unsold stock, net)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from mlm_audit import preflight
from mlm_audit.schema import Dataset
from tests.scan_rows import derived

D = dt.datetime


def build_ds():  # type: ignore[no-untyped-def]
    agents = pl.DataFrame({
        "agent_id": ["a", "b", "c"],
        "sponsor_id": [None, "a", "a"],
        "joined_at": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)],
        "terminated_at": [None, D(2024, 6, 1), None],
        "fees_paid": [10_000, 0, 0],
    }, schema_overrides={"sponsor_id": pl.String, "terminated_at": pl.Datetime("us")})
    rows = [  # order, buyer, seller, amount, date, kind, returned
        ("o1", "C1", "b", 10_000, D(2024, 3, 10), "retail", 0),       # outside customer: EXT
        ("o2", "c", "b", 5_000, D(2024, 3, 15), "retail", 0),         # c is a member: INT
        ("o3", "c", "a", 3_000, D(2024, 2, 15), "retail", 0),         # c not joined yet: EXT
        ("o4", "b", "a", 2_000, D(2024, 7, 1), "retail", 0),          # b terminated: EXT
        ("o5", "b", None, 20_000, D(2024, 2, 1), "starter_kit", 0),   # entry
        ("o6", "b", "a", 30_000, D(2024, 2, 10), "stock_up", 5_000),  # net 250.00
        ("o7", "c", None, 1_000, D(2024, 3, 1), "fee", 0),            # entry
        ("o8", "c", "a", 500, D(2024, 3, 1), "retail", 0),            # joined that instant: INT
        ("o9", "b", "a", 100, D(2024, 6, 1), "retail", 0),            # terminated that instant
        ("o10", "c", "a", 200, None, "retail", 0),                    # no date: listing: INT
    ]
    orders = pl.DataFrame(rows, schema={
        "order_id": pl.String, "buyer_id": pl.String, "seller_id": pl.String,
        "amount": pl.Int64, "ordered_at": pl.Datetime("us"), "kind": pl.String,
        "returned_amount": pl.Int64}, orient="row")
    payouts = pl.DataFrame({
        "payout_id": ["p1", "p2", "p3"], "recipient_id": ["a", "a", "b"],
        "amount": [4_000, 500, 1_500],
        "kind": ["recruitment_bonus", "override", "retail_commission"],
        "source_agent_id": ["b", "b", "b"],
    })
    ds = Dataset.from_frames(agents, orders, payouts)
    return preflight.run(ds)[0], ds


def build():  # type: ignore[no-untyped-def]
    return build_ds()[0]


def test_external_mask_by_buyer_status_at_order_date() -> None:
    net, ds = build_ds()
    o, _ = derived(net, ds.orders, ds.payouts)
    ext = dict(zip(o["order_id"], o["ext"].to_list(), strict=True))
    assert ext == {"o1": True, "o2": False, "o3": True, "o4": True, "o5": False, "o6": False,
                   "o7": False, "o8": False, "o9": True, "o10": False}


def test_per_agent_money() -> None:
    net = build()
    m = {r["agent_id"]: r for r in net.metrics.iter_rows(named=True)}
    a, b, c = m["a"], m["b"], m["c"]
    assert (a["sold_ext"], a["sold_int"]) == (3_000 + 2_000 + 100, 25_000 + 500 + 200)
    assert (b["sold_ext"], b["sold_int"]) == (10_000, 5_000)
    assert (c["sold_ext"], c["sold_int"]) == (0, 0)
    assert b["bought_retail"] == 2_100 and b["bought_starter_kit"] == 20_000
    assert b["bought_stock_up"] == 25_000
    assert c["bought_retail"] == 5_000 + 3_000 + 500 + 200 and c["bought_fee"] == 1_000
    assert (a["paid_recruitment_bonus"], a["paid_override"], a["paid_total"]) == (4_000, 500,
                                                                                  4_500)
    assert b["paid_retail_commission"] == b["paid_total"] == 1_500
    assert (a["entry"], b["entry"], c["entry"]) == (10_000, 20_000, 1_000)
    # b bought 250.00 of stock and resold 150.00 in all: 100.00 unsold
    assert (a["unsold"], b["unsold"], c["unsold"]) == (0, 10_000, 0)
    assert (a["net"], b["net"], c["net"]) == (4_500 - 10_000, 1_500 - 20_000 - 10_000, -1_000)
    # the paid total on its own, as checks that need nothing else read it
    assert net.paid_total[net.index_of(["a", "b", "c"])].tolist() == [4_500, 1_500, 0]


def test_sums_stay_exact_beyond_float_precision() -> None:
    from mlm_audit.metrics.money import sum_by

    big = 2**60 + 1  # not representable in float64
    key = np.array([0, 0, 2, -1, 2], dtype=np.int64)
    values = np.array([big, 1, 3, 99, -1], dtype=np.int64)
    assert sum_by(key, values, 3).tolist() == [big + 1, 0, 2]
    assert sum_by(key, np.array([5, 1, 3, 99, -1]), 3).tolist() == [6, 0, 2]
    assert sum_by(np.array([-5, 0, 1, -1]), np.array([7, 1, 2, 3]), 2).tolist() == [1, 2]
    assert sum_by(np.array([1, 1]), np.array([4, -9]), 3).tolist() == [0, -5, 0]
