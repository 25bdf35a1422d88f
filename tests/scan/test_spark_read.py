"""Spark inputs: aliased headers, typed money and dates, kinds; every failure an InputError
naming the table, path or column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("pyspark")

from mlm_audit.io.mapping import MappingFile, TableMapping  # noqa: E402
from mlm_audit.model import InputError  # noqa: E402
from mlm_audit.scan.spark_read import read_spark_inputs  # noqa: E402
from mlm_audit.scan.spark_session import collect  # noqa: E402

D = dt.datetime


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sparkin")
    pl.DataFrame({"会员ID": ["A", "B", " C "], "推荐人": [None, "A", "B"],
                  "注册时间": [D(2024, 1, 1), D(2024, 2, 1), None],
                  "入会费": [Decimal("10.50"), None, Decimal("0.01")]},
                 schema_overrides={"入会费": pl.Decimal(10, 2)}).write_parquet(d / "agents.parquet")
    pl.DataFrame({"订单号": ["o1", "o2", "o3"], "买家": ["B", "", "C"], "卖家ID": ["A", "A", None],
                  "实付金额": [12.5, 0.285, -3.0], "下单时间": [dt.date(2024, 3, 1), None,
                                                           dt.date(2024, 3, 2)],
                  "订单类型": ["零售", "Stock-Up", "梦幻"], "extra": [1, 2, 3]}
                 ).write_parquet(d / "orders.parquet")
    pl.DataFrame({"payout_id": [101, 102], "recipient_id": ["A", "B"], "commission": [250, -5],
                  "paid_at": [D(2024, 3, 5, 8), D(2024, 3, 6)], "type": ["级差", None]}
                 ).write_parquet(d / "payouts.parquet")
    pl.DataFrame({"order_id": ["x"], "buyer_id": ["A"], "amount": ["12.00"]}
                 ).write_parquet(d / "text_money.parquet")
    return d


def test_paths_onto_canonical_columns(spark: Any, files: Path) -> None:
    data = read_spark_inputs(spark, files / "orders.parquet", files / "payouts.parquet",
                             files / "agents.parquet")
    agents = data.agents
    assert agents["agent_id"].to_list() == ["A", "B", "C"]
    assert agents["fees_paid"].to_list() == [1050, 0, 1]  # decimal major -> minor, default 0
    o = collect(data.orders.orderBy("order_id")) if data.orders is not None else None
    assert o is not None and o["_row"].to_list() == [1, 2, 3]  # a Parquet file: row numbers
    assert o["_bad_amount"].to_list() == [False, True, False]  # 0.285: below the cent
    assert o["_raw_amount"].to_list() == [None, "0.285", None]
    assert o["_kraw"].to_list() == [None, None, "梦幻"]  # unknown: kept for the report
    assert agents["joined_at"].to_list() == [D(2024, 1, 1), D(2024, 2, 1), None]
    assert data.inputs[0].rows_read == 3 and data.inputs[0].format == "parquet"
    assert data.orders is not None and data.payouts is not None
    o = collect(data.orders.orderBy("order_id"))
    assert o["buyer_id"].to_list() == ["B", None, "C"]
    assert o["amount"].to_list() == [1250, None, -300]  # 0.285 is invalid, never rounded
    assert o["ordered_at"].to_list() == [D(2024, 3, 1), None, D(2024, 3, 2)]
    assert o["kind"].to_list() == ["retail", "stock_up", "retail"]  # unknown -> default
    assert o["returned_amount"].to_list() == [0, 0, 0]
    assert o["_blank"].to_list() == [False, False, False]
    p = collect(data.payouts.orderBy("payout_id"))
    assert p["payout_id"].to_list() == ["101", "102"]
    assert p["amount"].to_list() == [25000, -500]  # integers are major units by default
    assert p["kind"].to_list() == ["override", "other"]
    assert p["paid_at"].to_list() == [D(2024, 3, 5, 8), D(2024, 3, 6)]
    assert data.ignored["orders"] == ["extra"]  # reported with the orders' row accounting


def test_minor_units_by_mapping(spark: Any, files: Path) -> None:
    m = MappingFile(payouts=TableMapping(money_unit="minor"))
    data = read_spark_inputs(spark, None, files / "payouts.parquet", files / "agents.parquet", m)
    assert data.orders is None and data.payouts is not None
    assert sorted(collect(data.payouts)["amount"].to_list()) == [-5, 250]


def test_tables_by_name(spark: Any, files: Path) -> None:
    spark.read.parquet(str(files / "agents.parquet")).createOrReplaceTempView("crm_agents")
    spark.read.parquet(str(files / "orders.parquet")).createOrReplaceTempView("dw_orders")
    data = read_spark_inputs(spark, "dw_orders", None, "crm_agents")
    assert data.agents.height == 3 and data.inputs[0].format == "spark-table"
    assert data.orders is not None
    assert collect(data.orders)["_row"].null_count() == 3  # a table has no row order


@pytest.mark.parametrize(("kw", "message"), [
    ({"agents": "no_such_table"}, "no_such_table: cannot read the agents Spark table"),
    ({"orders": "/nowhere/orders.parquet"}, "/nowhere/orders.parquet: cannot read the orders"),
    ({"orders": "text_money"}, "orders.amount (column 'amount', string): expected a numeric"),
    ({"payouts": "agents"}, "cannot find required payouts column(s): payout_id, amount"),
])
def test_input_errors(spark: Any, files: Path, kw: dict[str, str], message: str) -> None:
    args: dict[str, Any] = {"orders": None, "payouts": None, "agents": files / "agents.parquet"}
    for k, v in kw.items():
        args[k] = v if v.startswith("/") or v.startswith("no_") else files / f"{v}.parquet"
    with pytest.raises(InputError) as e:
        read_spark_inputs(spark, args["orders"], args["payouts"], args["agents"])
    assert message in str(e.value)
    assert "Traceback" not in str(e.value) and "at org.apache" not in str(e.value)


def test_a_failed_spark_job_is_one_located_line() -> None:
    from mlm_audit.model import InputError
    from mlm_audit.scan.spark_prepare import job_failure

    class Py4JJavaError(Exception):
        pass

    Py4JJavaError.__module__ = "py4j.protocol"
    err = job_failure(Py4JJavaError("\n  java.lang.OutOfMemoryError: Java heap space\n\tat x.y"))
    assert isinstance(err, InputError)
    assert "a Spark job failed: java.lang.OutOfMemoryError: Java heap space." in str(err)
    assert "\tat" not in str(err)
    bug = KeyError("k")
    assert job_failure(bug) is bug  # our own errors stay bugs (exit 3)
