"""Both engines give the same facts: generated scenarios, made messy (repeated ids, negative
amounts, unknown agents, odd kinds, undated rows), scanned locally and by Spark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

pytest.importorskip("pyspark")

from mlm_audit import preflight  # noqa: E402
from mlm_audit.generate import Spec, generate  # noqa: E402
from mlm_audit.io import load_dataset  # noqa: E402
from mlm_audit.scan.facts import Facts, ScanPlan  # noqa: E402
from mlm_audit.scan.local import scan_frames  # noqa: E402
from mlm_audit.scan.spark import scan_spark  # noqa: E402
from mlm_audit.scan.spark_session import to_spark  # noqa: E402
from mlm_audit.schema import ROW  # noqa: E402

PLAN = ScanPlan(max_days=30, cross_top=25)
SCENARIOS = {"pyramid": 600, "stocking": 400, "retail": 400, "cps": 300}


def _set(df: pl.DataFrame, rows: np.ndarray, col: str, value: object) -> pl.DataFrame:
    mask = np.zeros(df.height, bool)
    mask[rows] = True
    return df.with_columns(pl.when(pl.Series(mask)).then(pl.lit(value, df.schema[col]))
                           .otherwise(pl.col(col)).alias(col))


def messy(df: pl.DataFrame, key: str, rng: np.random.Generator) -> pl.DataFrame:
    """Repeated ids (later rows), negative amounts, unknown agents, odd kinds, no dates."""
    pick = lambda k: rng.choice(df.height, size=min(k, df.height), replace=False)  # noqa: E731
    agent_col = "seller_id" if key == "order_id" else "recipient_id"
    date_col = "ordered_at" if key == "order_id" else "paid_at"
    df = _set(df, pick(25), "amount", -700)
    df = _set(df, pick(9), agent_col, "ghost")
    df = _set(df, pick(6), "kind", "weird")
    df = _set(df, pick(6), "kind", None)
    df = _set(df, pick(8), date_col, None)
    if key == "order_id":
        df = _set(df, pick(5), "seller_id", "company")
        df = _set(df, pick(7), "buyer_id", "walk-in")
    else:
        df = _set(df, pick(7), "source_agent_id", "nobody")
    again = df[pick(30)].with_columns(
        (pl.col("amount") + 1), pl.int_range(pl.len()).cast(pl.Int64).alias(ROW)
        + df[ROW].max() + 1)  # type: ignore[operator]
    return pl.concat([df, again])


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scanned(request: pytest.FixtureRequest, spark: Any, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Facts, Facts]:
    name = request.param
    d: Path = tmp_path_factory.mktemp(name)
    generate(name, Spec(SCENARIOS[name], 7, orders_per_agent=4), d)
    ds = load_dataset(d)
    rng = np.random.default_rng(11)
    orders = messy(ds.orders, "order_id", rng)
    payouts = messy(ds.payouts, "payout_id", rng)
    # some payouts name excluded (negative) orders, some name no order at all
    gone = orders.filter(pl.col("amount") < 0)["order_id"].head(5).to_list()
    payouts = _set(payouts, np.arange(5), "source_order_id", None)
    payouts = payouts.with_columns(pl.when(pl.int_range(pl.len()).is_between(5, 9))
                                   .then(pl.lit(gone[0])).otherwise(pl.col("source_order_id"))
                                   .alias("source_order_id"))
    net, _ = preflight.run(ds)
    local = scan_frames(orders, payouts, net.dim, PLAN, batch_rows=700)
    # Spark sees the rows in another order: ``_row`` alone decides which repeat comes first
    shuffled_o = orders.sample(fraction=1.0, shuffle=True, seed=3)
    shuffled_p = payouts.sample(fraction=1.0, shuffle=True, seed=4)
    remote = scan_spark(spark, to_spark(spark, shuffled_o), to_spark(spark, shuffled_p),
                        net.dim, PLAN)
    return local, remote


def test_fact_tables_equal(scanned: tuple[Facts, Facts]) -> None:
    local, remote = scanned
    assert local.pays.height > 20 and local.sells["n"].sum() > 200
    for table in ("buys", "sells", "pays"):
        a, b = getattr(local, table), getattr(remote, table)
        assert a.schema == b.schema, table
        assert a.equals(b), table
    assert (local.orders, local.payouts) == (remote.orders, remote.payouts)


def test_samples_equal(scanned: tuple[Facts, Facts]) -> None:
    local, remote = scanned
    assert local.samples.keys() == remote.samples.keys()
    assert ("orders", "duplicate_id", "order_id") in local.samples
    for key, s in local.samples.items():
        r = remote.samples[key]
        assert s.count == r.count, key
        common = [c for c in s.rows.columns if c in r.rows.columns]
        assert len(common) >= 8
        assert s.rows.select(common).equals(r.rows.select(common)), key


def test_cross_top_equal(scanned: tuple[Facts, Facts]) -> None:
    local, remote = scanned
    assert local.cross_top.equals(remote.cross_top)
