"""Scans over orders and payouts: periods, per-agent windows, RECRUIT_PAY."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mlm_audit.metrics import periods, windows
from tests.checks._build_b import build, star


@pytest.mark.parametrize(("window", "label"), [
    ("month", "2024-05"), ("quarter", "2024-Q2"), ("year", "2024"), ("all", "all")])
def test_period_labels(window: periods.Window, label: str) -> None:
    df = pl.DataFrame({"t": [dt.datetime(2024, 5, 3), None]})
    out = df.select(periods.period_expr(pl.col("t"), window).alias("p"))["p"].to_list()
    assert out == [label, "undated" if window != "all" else "all"]


def test_money_text() -> None:
    assert periods.money_text(123456) == "1,234.56"
    assert periods.money_text(-5) == "-0.05"


def _net():
    orders = [
        {"order_id": "O1", "buyer_id": "C9", "seller_id": "R1", "amount": 1000,
         "returned_amount": 100, "ordered_at": dt.datetime(2024, 1, 5)},
        {"order_id": "O2", "buyer_id": "C9", "seller_id": "R1", "amount": 500,
         "ordered_at": dt.datetime(2024, 2, 5)},
        {"order_id": "O3", "buyer_id": "R2", "seller_id": "R1", "amount": 700},
        {"order_id": "K1", "buyer_id": "R2", "amount": 900, "kind": "starter_kit"},
        {"order_id": "F1", "buyer_id": "R1", "amount": 50, "kind": "fee"},
    ]
    payouts = [
        {"recipient_id": "R1", "amount": 10, "paid_at": dt.datetime(2024, 1, 31)},
        {"recipient_id": "R1", "amount": 20, "paid_at": dt.datetime(2024, 1, 1)},
        {"recipient_id": "R", "amount": 30, "kind": "override", "source_order_id": "K1"},
        {"recipient_id": "R", "amount": 40, "kind": "recruitment_bonus"},
        {"recipient_id": "R", "amount": 50, "kind": "override", "source_order_id": "O1"},
    ]
    return build(star(2), orders, payouts)


def test_ext_retail_by_agent_month_nets_returns_and_skips_participants() -> None:
    df = windows.ext_retail_by_agent_period(_net(), "month").sort("period")
    assert df.rows() == [(1, "2024-01", 900), (1, "2024-02", 500)]


def test_paid_by_agent_period() -> None:
    df = windows.paid_by_agent_period(_net(), "month").sort("idx", "period")
    assert df.filter(pl.col("idx") == 1).rows() == [(1, "2024-01", 30)]


def test_company_bases_exclude_fees() -> None:
    net = _net()
    rev = windows.company_base_by_period(net, "all", "company_revenue")
    assert rev.rows() == [("all", 900 + 500 + 700 + 900)]
    sup = windows.company_base_by_period(net, "all", "supplied_to_salespeople")
    assert sup.rows() == [("all", 900 + 500 + 700 + 900)]


def test_recruit_pay() -> None:
    net = _net()
    pays = net.pays.with_columns(pl.Series("rp", windows.recruit_pay_mask(net)))
    # the kit-funded override (30) and the recruitment bonus (40) to R; nothing else
    assert sorted(pays.filter("rp")["amount"].to_list()) == [30, 40]
    assert pays.filter(~pl.col("rp"))["amount"].sum() == 10 + 20 + 50
    assert windows.recruit_pay_by_agent(net).tolist() == [70, 0, 0]
