"""The ``spark`` scan engine: orders and payouts reduced to :class:`Facts` by Spark jobs.

Orders and payouts stay in Spark; the agent dimension goes to Spark once (Arrow) and only
the fact tables, issue counts, issue samples and the top cross-line payouts come back.
Enriched orders and payouts are persisted for the few jobs that read them, then released.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from mlm_audit.scan import facts as F_
from mlm_audit.scan import spark_derive as derive
from mlm_audit.scan.facts import SAMPLE_ROWS, Facts, Sample, SampleKey, ScanPlan
from mlm_audit.scan.spark_session import Jobs, Step, to_spark
from mlm_audit.schema import ORDERS, PAYOUTS, ROW

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

BROADCAST_ROWS = 2_000_000  # agent dimensions up to this size are broadcast to the joins
DIM_COLS = {"idx": "int", "agent_id": "string", "joined": "long", "ended": "long",
            "level": "int", "pre": "long", "size": "long"}
# sample key -> the flag column marking its rows
ORDER_FLAGS: dict[SampleKey, str] = {
    ("orders", "duplicate_id", "order_id"): "_dup",
    ("orders", "negative_amount", "amount"): "_neg",
    ("orders", "unknown_agent", "seller_id"): "_unk_seller",
}
PAYOUT_FLAGS: dict[SampleKey, str] = {
    ("payouts", "duplicate_id", "payout_id"): "_dup",
    ("payouts", "negative_amount", "amount"): "_neg",
    ("payouts", "unknown_agent", "recipient_id"): "_unk_rec",
    ("payouts", "unknown_agent", "source_agent_id"): "_unk_src",
    ("payouts", "cross_line_payout", "source_agent_id"): "_cross",
}
SAMPLE_IDX = {"orders": ("buyer_idx", "seller_idx"),
              "payouts": ("recipient_idx", "source_idx")}


def scan_spark(spark: SparkSession, orders: DataFrame | None, payouts: DataFrame | None,
               dim: pl.DataFrame, plan: ScanPlan, step: Step | None = None) -> Facts:
    """Facts of docs/scans.md computed by Spark jobs over canonical orders and payouts."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    jobs = Jobs(spark, step)
    out = Facts(plan=plan)
    sdim = to_spark(spark, dim.select([pl.col(c) for c in DIM_COLS])).select(
        [F.col(c).cast(t) for c, t in DIM_COLS.items()])
    if dim.height <= BROADCAST_ROWS:
        sdim = F.broadcast(sdim)
    held: list[DataFrame] = []
    try:
        o = p = None
        if orders is not None:
            o = derive.orders(orders, sdim, plan.max_days).persist(StorageLevel.MEMORY_AND_DISK)
            held.append(o)
            _orders(jobs, o, out)
        if payouts is not None:
            p = derive.payouts(payouts, sdim, o).persist(StorageLevel.MEMORY_AND_DISK)
            held.append(p)
            _payouts(jobs, p, out)
        out.other_kinds = _other_kinds(jobs, o, p)
    finally:
        for df in held:
            df.unpersist()
    return out


def _counts(jobs: Jobs, what: str, df: DataFrame, flags: dict[SampleKey, str]
            ) -> tuple[int, dict[SampleKey, int]]:
    from pyspark.sql import functions as F

    cols = ["_keep", *flags.values()]
    jobs.start(what)
    try:
        row = df.select([F.sum(F.col(c).cast("long")).alias(c) for c in cols]).collect()[0]
    finally:
        jobs.done()
    return int(row["_keep"] or 0), {k: int(row[c] or 0) for k, c in flags.items()}


def _samples(jobs: Jobs, table: str, df: DataFrame, flags: dict[SampleKey, str],
             counts: dict[SampleKey, int], out: Facts) -> None:
    """The first SAMPLE_ROWS rows of every issue with rows, in one job."""
    from pyspark.sql import functions as F

    schema = ORDERS if table == "orders" else PAYOUTS
    key = next(iter(schema))
    cols = [*schema, ROW, *SAMPLE_IDX[table]]
    parts = [df.filter(F.col(flag)).select(F.lit(i).alias("_issue"), *cols)
             .orderBy(F.col(ROW).asc_nulls_last(), F.col(key).asc()).limit(SAMPLE_ROWS)
             for i, (k, flag) in enumerate(flags.items()) if counts[k]]
    for k in flags:
        out.samples[k] = Sample(counts[k], _typed(pl.DataFrame(), table, cols))
    if not parts:
        return
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    got = jobs.collect(f"{table}: issue samples", union)
    for i, k in enumerate(flags):
        rows = got.filter(pl.col("_issue") == i).drop("_issue")
        rows = _typed(rows, table, cols).sort([ROW, key], nulls_last=True)
        out.samples[k] = Sample(counts[k], rows)


def _typed(df: pl.DataFrame, table: str, cols: list[str]) -> pl.DataFrame:
    schema = {**(ORDERS if table == "orders" else PAYOUTS), ROW: pl.Int64(),
              **{c: pl.Int32() for c in SAMPLE_IDX[table]}}
    if df.width == 0:
        return pl.DataFrame(schema={c: schema[c] for c in cols})
    return df.select([pl.col(c).cast(schema[c]) for c in cols])


def _orders(jobs: Jobs, o: DataFrame, out: Facts) -> None:
    from pyspark.sql import functions as F

    out.orders, counts = _counts(jobs, "orders: clean (duplicates, negatives, unknown sellers)",
                                 o, ORDER_FLAGS)
    kept = o.filter(F.col("_keep"))
    base = [F.col("mk"), F.col("kc").alias("kind"), F.col("ext")]
    buys = kept.filter(F.col("buyer_idx") >= 0).groupBy(
        F.col("buyer_idx").alias("idx"), *base, F.col("jd")).agg(
        F.sum("net").alias("net"), F.count(F.lit(1)).alias("n"))
    out.buys = F_.normalize("buys", jobs.collect("orders: buys by agent and month", buys))
    sells = kept.groupBy(F.col("seller_idx").alias("idx"), *base).agg(
        F.sum("net").alias("net"), F.count(F.lit(1)).alias("n"))
    out.sells = F_.normalize("sells", jobs.collect("orders: sells by agent and month", sells))
    _samples(jobs, "orders", o, ORDER_FLAGS, counts, out)


def _payouts(jobs: Jobs, p: DataFrame, out: Facts) -> None:
    from pyspark.sql import functions as F

    out.payouts, counts = _counts(
        jobs, "payouts: clean (duplicates, negatives, unknown agents, cross-line)", p,
        PAYOUT_FLAGS)
    keys = [F.col("recipient_idx").alias("idx"), F.col("kc").alias("kind"),
            *[F.col(c) for c in ("mk", "gen", "src_kind", "src_ext", "sjd", "dsrc", "cross")]]
    pays = p.filter(F.col("_keep")).groupBy(*keys).agg(
        F.sum("amount").alias("amount"), F.count(F.lit(1)).alias("n"))
    out.pays = F_.normalize("pays", jobs.collect("payouts: pays by agent and month", pays))
    _samples(jobs, "payouts", p, PAYOUT_FLAGS, counts, out)
    n_cross = counts[("payouts", "cross_line_payout", "source_agent_id")]
    if out.plan.cross_top and n_cross:
        top = p.filter(F.col("_cross")).orderBy(F.col("amount").desc_nulls_last(),
                                                F.col("payout_id").asc()) \
            .limit(out.plan.cross_top).select(*F_.CROSS_TOP)
        got = jobs.collect("payouts: largest cross-line payouts", top)
        out.cross_top = got.select([pl.col(c).cast(t) for c, t in F_.CROSS_TOP.items()]).sort(
            ["amount", "payout_id"], descending=[True, False], nulls_last=True)


def _other_kinds(jobs: Jobs, o: DataFrame | None, p: DataFrame | None) -> pl.DataFrame:
    from pyspark.sql import functions as F

    parts = [df.filter(F.col("_keep") & (F.col("kc") == F_.OTHER_KIND))
             .groupBy(F.lit(name).alias("table"), F.col("kind")).agg(F.count(F.lit(1)).alias("n"))
             for name, df in (("orders", o), ("payouts", p)) if df is not None]
    if not parts:
        return pl.DataFrame(schema=F_.OTHER_KINDS)
    union = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    got = jobs.collect("orders and payouts: kinds outside the canonical lists", union)
    if got.width == 0:
        return pl.DataFrame(schema=F_.OTHER_KINDS)
    return got.select([pl.col(c).cast(t) for c, t in F_.OTHER_KINDS.items()]).sort(
        ["table", "kind"])
