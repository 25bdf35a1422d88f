"""Spark inputs reject and account for rows as the local loader does: one typed Parquet file
per table with missing required values, sub-cent decimals and doubles, unknown kinds and a
blank row, read by both engines, gives the same data issues and the same row counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("pyspark")

from mlm_audit.model import DataIssue, InputInfo  # noqa: E402
from mlm_audit.pipeline import Inputs, SparkInputs  # noqa: E402
from mlm_audit.prepare import prepare_local  # noqa: E402
from mlm_audit.scan.facts import ScanPlan  # noqa: E402
from mlm_audit.scan.spark_prepare import prepare_spark  # noqa: E402

D = dt.datetime
PLAN = ScanPlan(max_days=30, cross_top=5)
MANY = 230  # more than the 200 itemized rows: a counting issue follows


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("load")
    pl.DataFrame({"agent_id": ["A", "B", "C"], "sponsor_id": [None, "A", "B"],
                  "fees_paid": [Decimal("10.50"), Decimal("0.015"), None]},
                 schema_overrides={"fees_paid": pl.Decimal(10, 3)}).write_parquet(
        d / "agents.parquet")
    ids = [f"o{i}" for i in range(1, 12)] + [None, None] + [f"m{i}" for i in range(MANY)]
    amounts = ([Decimal("12.50"), Decimal("0.285"), None, Decimal("3.000"), Decimal("-1.001"),
                Decimal("7.10"), Decimal("7.10"), Decimal("8.00"), Decimal("9.00"),
                Decimal("1.00"), Decimal("2.00"), None, Decimal("5.00")]
               + [None] * MANY)
    n = len(ids)
    kinds = (["retail", "梦幻", "fee", "weird", "retail", None, "retail", "weird", "Stock-Up",
              "梦幻", "retail", None, "retail"] + ["retail"] * MANY)
    pl.DataFrame({
        "order_id": ids, "buyer_id": ["B"] * n, "seller_id": ["A"] * n,
        "amount": amounts, "ordered_at": [D(2024, 3, 1)] * n, "kind": kinds,
        "returned_amount": [0.5, 0.0, 0.125, None, 1e-9, 0.285, None, 0.1 + 0.2, None, None,
                            None, None, None] + [None] * MANY,
        "note": ["x"] * 11 + [None, "y"] + ["z"] * MANY,
    }, schema_overrides={"amount": pl.Decimal(12, 3)}).with_columns(
        pl.when(pl.int_range(pl.len()) == 11).then(None).otherwise(pl.col("buyer_id"))
        .alias("buyer_id"),
        pl.when(pl.int_range(pl.len()) == 11).then(None).otherwise(pl.col("seller_id"))
        .alias("seller_id"),
        pl.when(pl.int_range(pl.len()) == 11).then(None).otherwise(pl.col("ordered_at"))
        .alias("ordered_at"),
    ).write_parquet(d / "orders.parquet")  # row 12 is blank
    pl.DataFrame({
        "payout_id": ["p1", "p2", "p3", None, "p5", "p6", "p7"],
        "recipient_id": ["A", None, "B", "C", "A", "B", "C"],
        "amount": [1.5, 2.0, 0.285, 4.0, None, 12.34, 1e-7],
        "paid_at": [D(2024, 3, 5)] * 7,
        "type": ["override", "override", "mystery", "mystery", "bonusX", "mystery", "级差"],
        "source_order_id": ["o1", None, None, None, None, "o2", "o6"],
    }).write_parquet(d / "payouts.parquet")
    return d


def _key(i: DataIssue) -> tuple[Any, ...]:
    return (i.table, i.code, i.level, i.column, i.row, i.count, i.message)


def _both(spark: Any, files: Path, pick: str | None = None
          ) -> tuple[tuple[list[DataIssue], list[InputInfo]], tuple[list[DataIssue],
                                                                   list[InputInfo]]]:
    paths = {t: files / f"{t}.parquet" for t in ("agents", "orders", "payouts")}
    _, li, linfo = prepare_local(paths, None, (), PLAN)
    inputs = Inputs(agents=paths["agents"], orders=paths["orders"], payouts=paths["payouts"],
                    engine="spark", spark=SparkInputs(master="local[2]"))
    _, ri, rinfo = prepare_spark(inputs, PLAN)
    return (li, linfo), (ri, rinfo)


@pytest.fixture(scope="module")
def both(spark: Any, files: Path) -> Any:
    return _both(spark, files)


def test_same_data_issues(both: Any) -> None:
    (local, _), (remote, _) = both
    codes = {(i.table, i.code, i.column) for i in local}
    for want in [("orders", "missing_value", "order_id"), ("orders", "missing_value", "amount"),
                 ("orders", "bad_value", "amount"), ("orders", "bad_value", "returned_amount"),
                 ("orders", "unknown_kind", "kind"), ("orders", "blank_rows", None),
                 ("payouts", "missing_value", "payout_id"),
                 ("payouts", "missing_value", "recipient_id"),
                 ("payouts", "missing_value", "amount"), ("payouts", "bad_value", "amount"),
                 ("payouts", "unknown_kind", "kind"), ("agents", "bad_value", "fees_paid")]:
        assert want in codes, want
    assert [_key(i) for i in remote] == [_key(i) for i in local]


def test_counting_issue_after_200(both: Any) -> None:
    (local, _), (remote, _) = both
    more = [i for i in remote if i.code == "missing_value" and i.column == "amount"
            and i.table == "orders" and i.count > 1]
    assert len(more) == 1 and more[0].count == MANY + 1 - 200
    assert more[0] in local


def test_same_row_counts(both: Any) -> None:
    (_, local), (_, remote) = both
    counts = [(i.table, i.rows_read, i.rows_loaded, i.rows_rejected) for i in remote]
    assert counts == [(i.table, i.rows_read, i.rows_loaded, i.rows_rejected) for i in local]
    assert counts[1] == ("orders", 13 + MANY - 1, 13 + MANY - 1 - (MANY + 4), MANY + 4)
    assert counts[2] == ("payouts", 7, 3, 4)


def test_rows_without_numbers_named_by_id() -> None:
    from mlm_audit.scan.spark_issues import _message

    r = {"_row": None, "order_id": "o7", "_raw": "0.285"}
    assert _message("orders", "bad_value", "amount", False, r) == (
        "order_id o7: amount '0.285' has more than 2 decimals; amounts are exact and never "
        "rounded; row rejected")
    assert _message("orders", "missing_value", "amount", False, {**r, "_row": 7}) == (
        "required amount is empty; row rejected")
