"""The spark engine on hand-built inputs; every expected row worked out from docs/scans.md.

Agents (idx: id, level, pre, size, joined, ended)::

    0 A  1 0 4  2024-01-01          root
    1 B  2 1 2  2024-02-10 12:00    child of A
    2 C  3 2 1  2024-03-01          child of B, terminated 2024-06-01
    3 D  2 3 1  (unknown)           child of A
    4 E  0 4 0  2024-01-01          on a sponsor cycle: no tree
    5 F  1 5 1  2024-01-01          second root
"""

from __future__ import annotations

from datetime import datetime as dt
from typing import Any

import polars as pl
import pytest

pytest.importorskip("pyspark")

from mlm_audit.scan.facts import Facts, ScanPlan, keys  # noqa: E402
from mlm_audit.scan.spark import scan_spark  # noqa: E402
from mlm_audit.scan.spark_session import to_spark  # noqa: E402
from mlm_audit.schema import ORDERS, PAYOUTS, ROW  # noqa: E402

T, F_ = True, False


def us(*a: int) -> int:
    return int((dt(*a) - dt(1970, 1, 1)).total_seconds()) * 1_000_000  # type: ignore[misc]


DIM = pl.DataFrame({
    "idx": [0, 1, 2, 3, 4, 5], "agent_id": ["A", "B", "C", "D", "E", "F"],
    "joined": [us(2024, 1, 1), us(2024, 2, 10, 12), us(2024, 3, 1), None, us(2024, 1, 1),
               us(2024, 1, 1)],
    "ended": [None, None, us(2024, 6, 1), None, None, None],
    "level": [1, 2, 3, 2, 0, 1], "pre": [0, 1, 2, 3, 4, 5], "size": [4, 2, 1, 1, 0, 1],
}, schema={"idx": pl.Int32, "agent_id": pl.String, "joined": pl.Int64, "ended": pl.Int64,
           "level": pl.Int32, "pre": pl.Int64, "size": pl.Int64})

# order_id, buyer, seller, amount, ordered_at, kind, returned, _row  (in frame order)
ORDER_ROWS: list[tuple[Any, ...]] = [
    ("o13", "F", "F", 222, dt(2024, 1, 15), "retail", None, 14),  # later row of o13
    ("o1", "B", "A", 10000, dt(2024, 2, 10, 12), "self_purchase", 1000, 1),  # at joining
    ("o2", "B", "A", 5000, dt(2024, 2, 10, 11, 59, 59), "retail", 0, 2),  # before joining
    ("o3", "C", "B", 2000, dt(2024, 6, 1), "stock_up", None, 3),  # at termination: ext
    ("o4", "C", "B", 3000, dt(2024, 3, 31, 0, 0, 1), "stock_up", None, 4),  # jd 31 > 30
    ("o5", "C", "B", 4000, dt(2024, 3, 31), "starter_kit", None, 5),  # jd exactly 30
    ("o6", "D", "company", 700, dt(2024, 4, 15), "fee", None, 6),  # root marker seller
    ("o7", "cust1", "ghost", 1500, dt(2024, 4, 20), "retail", None, 7),  # unknown seller
    ("o8", "B", "A", 800, None, "weird", None, 8),  # undated, other kind
    ("o9", "A", None, -500, dt(2024, 4, 1), None, None, 9),  # negative, null kind
    ("o10", "A", "A", -300, dt(2024, 5, 5), "return", None, 10),  # negative return: kept
    ("o1", "F", "F", -99999, dt(2024, 1, 2), "retail", None, 11),  # duplicate only
    ("o12", "E", "F", 1000, dt(2024, 1, 20), None, None, 12),  # buyer on a cycle, jd 19
    ("o13", "F", "F", 111, dt(2024, 1, 15), "retail", None, 13),  # first of o13
    ("o14", "B", "A", 1000, dt(2024, 2, 10, 12), "self_purchase", None, 15),
]
# payout_id, recipient, amount, paid_at, kind, source_agent, source_order, _row
PAYOUT_ROWS: list[tuple[Any, ...]] = [
    ("p1", "A", 1000, dt(2024, 2, 15), "override", "B", "o1", 1),
    ("p2", "B", 500, dt(2024, 3, 31), "team_bonus", None, "o5", 2),  # via seller B
    ("p3", "A", 200, dt(2024, 4, 1), "recruitment_bonus", None, "o7", 3),  # no agent on o7
    ("p4", "A", 300, dt(2024, 4, 1), "retail_commission", None, "o6", 4),  # via buyer D
    ("p5", "B", 400, dt(2024, 4, 1), "override", "F", None, 5),  # cross-line
    ("p6", "nobody", 50, dt(2024, 4, 2), "mystery", None, None, 6),  # unknown recipient
    ("p7", "C", -100, dt(2024, 5, 1), None, "ghost2", "o9", 7),  # clawback, unknown source
    ("p8", "A", 250, None, "override", "C", "o3", 8),  # undated, external source order
    ("p1", "B", 7, dt(2024, 2, 1), "override", None, None, 9),  # duplicate
    ("p10", "B", 600, dt(2024, 4, 10), "override", "E", None, 10),  # source on a cycle
    ("p11", "D", 70, dt(2024, 4, 11), "rank_bonus", "D", "o12", 11),  # self source
    ("p12", "A", 900, dt(2024, 4, 12), "override", "F", None, 12),
    ("p13", "B", 600, dt(2024, 4, 13), "override", "F", None, 13),
    ("p14", "C", 80, dt(2024, 3, 15), "override", None, "o4", 14),  # buyer is recipient
    ("p15", "F", 40, dt(2024, 4, 15), "override", None, "o12", 15),  # kind null: no sjd
]

BUYS = [  # idx, mk, kind, ext, jd, net, n
    (0, 24292, 5, F_, -1, -300, 1),
    (1, -1, 6, F_, -1, 800, 1),
    (1, 24289, 0, T, -1, 5000, 1),
    (1, 24289, 1, F_, 0, 10000, 2),
    (2, 24290, 2, F_, -1, 3000, 1),
    (2, 24290, 3, F_, 30, 4000, 1),
    (2, 24293, 2, T, -1, 2000, 1),
    (3, 24291, 4, F_, -1, 700, 1),
    (4, 24288, 7, F_, 19, 1000, 1),
    (5, 24288, 0, F_, 14, 111, 1),
]
SELLS = [  # idx, mk, kind, ext, net, n
    (-1, 24291, 0, T, 1500, 1),
    (-1, 24291, 4, F_, 700, 1),
    (0, -1, 6, F_, 800, 1),
    (0, 24289, 0, T, 5000, 1),
    (0, 24289, 1, F_, 10000, 2),
    (0, 24292, 5, F_, -300, 1),
    (1, 24290, 2, F_, 3000, 1),
    (1, 24290, 3, F_, 4000, 1),
    (1, 24293, 2, T, 2000, 1),
    (5, 24288, 0, F_, 111, 1),
    (5, 24288, 7, F_, 1000, 1),
]
PAYS = [  # idx, mk, kind, gen, src_kind, src_ext, sjd, dsrc, cross, amount, n
    (-1, 24291, 6, -1, -1, -1, -1, F_, F_, 50, 1),
    (0, -1, 2, 2, 2, 1, -1, T, F_, 250, 1),
    (0, 24289, 2, 1, 1, 0, 0, T, F_, 1000, 1),
    (0, 24291, 0, 1, 4, 0, -1, F_, F_, 300, 1),
    (0, 24291, 1, -1, 0, 1, -1, F_, F_, 200, 1),
    (0, 24291, 2, -1, -1, -1, -1, T, T, 900, 1),
    (1, 24290, 3, 0, 3, 0, 30, F_, F_, 500, 1),
    (1, 24291, 2, -1, -1, -1, -1, T, T, 1600, 3),
    (2, 24290, 2, 0, 2, 0, -1, F_, F_, 80, 1),
    (2, 24292, 7, -1, -1, -1, -1, F_, F_, -100, 1),
    (3, 24291, 4, 0, 7, 0, -1, F_, F_, 70, 1),
    (5, 24291, 2, 0, 7, 0, -1, F_, F_, 40, 1),
]


def frame(rows: list[tuple[Any, ...]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={**schema, ROW: pl.Int64()}, orient="row")


@pytest.fixture(scope="module")
def facts(spark: Any) -> Facts:
    steps: list[str] = []
    out = scan_spark(spark, to_spark(spark, frame(ORDER_ROWS, ORDERS)),
                     to_spark(spark, frame(PAYOUT_ROWS, PAYOUTS)), DIM,
                     ScanPlan(max_days=30, cross_top=3), step=steps.append)
    assert steps and all(isinstance(s, str) for s in steps)
    return out


def rows(df: pl.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in df.iter_rows()]


def test_buys(facts: Facts) -> None:
    assert rows(facts.buys) == BUYS
    assert facts.buys.schema == pl.Schema({
        "idx": pl.Int32, "mk": pl.Int32, "kind": pl.Int8, "ext": pl.Boolean, "jd": pl.Int16,
        "net": pl.Int64, "n": pl.Int64})


def test_sells(facts: Facts) -> None:
    assert rows(facts.sells) == SELLS
    assert facts.sells.columns == keys("sells") + ["net", "n"]


def test_pays(facts: Facts) -> None:
    assert rows(facts.pays) == PAYS
    assert facts.pays.schema["src_ext"] == pl.Int8 and facts.pays.schema["sjd"] == pl.Int16


def test_kept_counts(facts: Facts) -> None:
    assert (facts.orders, facts.payouts) == (12, 14)


def sample_rows(facts: Facts, key: tuple[str, str, str]) -> tuple[int, list[int]]:
    s = facts.samples[key]
    return s.count, s.rows[ROW].to_list()


def test_order_samples(facts: Facts) -> None:
    assert sample_rows(facts, ("orders", "duplicate_id", "order_id")) == (2, [11, 14])
    assert sample_rows(facts, ("orders", "negative_amount", "amount")) == (1, [9])
    unknown = facts.samples[("orders", "unknown_agent", "seller_id")]
    assert (unknown.count, unknown.rows["seller_id"].to_list()) == (1, ["ghost"])
    dup = facts.samples[("orders", "duplicate_id", "order_id")].rows
    assert dup.columns == [*ORDERS, ROW, "buyer_idx", "seller_idx"]
    assert dup.row(1, named=True) == {
        "order_id": "o13", "buyer_id": "F", "seller_id": "F", "amount": 222,
        "ordered_at": dt(2024, 1, 15), "kind": "retail", "returned_amount": None, ROW: 14,
        "buyer_idx": 5, "seller_idx": 5}
    assert dup.schema["ordered_at"] == pl.Datetime("us")


def test_payout_samples(facts: Facts) -> None:
    assert sample_rows(facts, ("payouts", "duplicate_id", "payout_id")) == (1, [9])
    assert sample_rows(facts, ("payouts", "negative_amount", "amount")) == (1, [7])
    assert sample_rows(facts, ("payouts", "unknown_agent", "recipient_id")) == (1, [6])
    assert sample_rows(facts, ("payouts", "unknown_agent", "source_agent_id")) == (1, [7])
    assert sample_rows(facts, ("payouts", "cross_line_payout", "source_agent_id")) == (
        4, [5, 10, 12, 13])
    cross = facts.samples[("payouts", "cross_line_payout", "source_agent_id")].rows
    assert cross.columns == [*PAYOUTS, ROW, "recipient_idx", "source_idx"]
    assert cross["source_idx"].to_list() == [5, 4, 5, 5]


def test_cross_top(facts: Facts) -> None:
    top = facts.cross_top
    assert top["payout_id"].to_list() == ["p12", "p10", "p13"]  # 900, then 600 by id
    assert top.row(0, named=True) == {
        "payout_id": "p12", "_row": 12, "recipient_idx": 0, "source_idx": 5,
        "recipient_id": "A", "source_agent_id": "F", "amount": 900, "kind": "override"}


def test_payouts_without_orders(spark: Any) -> None:
    """No orders table: no source order anywhere; generation only from the source agent."""
    out = scan_spark(spark, None, to_spark(spark, frame(PAYOUT_ROWS, PAYOUTS)), DIM,
                     ScanPlan(max_days=30, cross_top=0))
    assert out.buys.height == 0 and out.sells.height == 0 and out.orders == 0
    assert out.pays["src_kind"].unique().to_list() == [-1]
    assert out.pays.filter(pl.col("idx") == 1)["gen"].to_list() == [-1, -1]  # p2 lost its gen
    assert out.cross_top.height == 0 and out.payouts == 14


def test_rows_without_numbers_and_sample_cap(spark: Any) -> None:
    """Table rows carry no ``_row``: the first of repeated ids is fixed by the values and
    samples come in id order; samples stop at 220 rows but count them all."""
    neg = [(f"n{i:03d}", "A", "A", -1, dt(2024, 3, 1), "retail", None, None)
           for i in range(230)]
    dup = [("d", "A", "A", 20, dt(2024, 3, 1), "retail", None, None),
           ("d", "A", "A", 10, dt(2024, 3, 1), "retail", None, None)]
    out = scan_spark(spark, to_spark(spark, frame(neg[::-1] + dup, ORDERS)), None, DIM,
                     ScanPlan(max_days=0))
    s = out.samples[("orders", "negative_amount", "amount")]
    assert s.count == 230 and s.rows.height == 220
    assert s.rows["order_id"].to_list() == [f"n{i:03d}" for i in range(220)]
    d = out.samples[("orders", "duplicate_id", "order_id")]
    assert d.count == 1 and d.rows["amount"].to_list() == [20]
    assert rows(out.sells) == [(0, 24290, 0, False, 10, 1)]
    assert out.pays.height == 0 and out.payouts == 0
    assert set(out.samples) == {("orders", "negative_amount", "amount"),
                                ("orders", "duplicate_id", "order_id")}  # issues with rows
