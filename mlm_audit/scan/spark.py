"""The ``spark`` scan engine: orders and payouts reduced to :class:`Facts` by Spark jobs.

Orders and payouts stay in Spark; the agent dimension goes to Spark once (Arrow) and only
the fact tables, issue counts, issue samples and the top cross-line payouts come back. The
row accounting of reading them (rows read, rejected, missing and invalid values, unknown
kinds: :mod:`.spark_issues`) is counted and sampled by the same jobs, into ``loads``.
Enriched orders and payouts are persisted for the few jobs that read them (per table: issue
counts with unknown kinds, fact tables, samples), then released.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from mlm_audit.scan import facts as F_
from mlm_audit.scan import spark_derive as derive
from mlm_audit.scan.dim import Dim
from mlm_audit.scan.facts import SAMPLE_ROWS, Facts, Sample, SampleKey, ScanPlan
from mlm_audit.scan.spark_issues import Load, kinds_of, load_flags
from mlm_audit.scan.spark_session import Jobs, Step, to_spark
from mlm_audit.schema import ORDERS, PAYOUTS, ROW

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

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
CROSS = ("payouts", "cross_line_payout", "source_agent_id")
SAMPLE_IDX = {"orders": ("buyer_idx", "seller_idx"),
              "payouts": ("recipient_idx", "source_idx")}
TOP = -1  # the _issue tag of the cross_top rows in the payout samples job
KINDS = -2  # ... of the unknown kind counts
LOAD = 100  # ... of load issue i is LOAD + i
KIND_KEY = ("unknown_kind", "kind")


def scan_spark(spark: SparkSession, orders: DataFrame | None, payouts: DataFrame | None,
               dim: Dim | pl.DataFrame, plan: ScanPlan, step: Step | None = None,
               loads: dict[str, Load] | None = None) -> Facts:
    """Facts of docs/scans.md computed by Spark jobs over canonical orders and payouts.

    ``dim`` is the agent dimension (a :class:`Dim` or its table, ``Dim.frame()``); the row
    accounting of each table goes to ``loads`` (when given)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    jobs = Jobs(spark, step)
    if isinstance(dim, Dim):
        dim = dim.frame()
    out = Facts(plan=plan)
    sdim = to_spark(spark, dim.select(list(DIM_COLS))).select(
        [F.col(c).cast(t) for c, t in DIM_COLS.items()])
    if dim.height <= BROADCAST_ROWS:
        sdim = F.broadcast(sdim)
    held: list[DataFrame] = []
    loads = {} if loads is None else loads
    try:
        o = None
        if orders is not None:
            o = derive.orders(orders, sdim, plan.max_days).persist(StorageLevel.MEMORY_AND_DISK)
            held.append(o)
            _orders(jobs, o, out, loads.setdefault("orders", Load()))
        if payouts is not None:
            p = derive.payouts(payouts, sdim, o).persist(StorageLevel.MEMORY_AND_DISK)
            held.append(p)
            _payouts(jobs, p, out, loads.setdefault("payouts", Load()))
    finally:
        for df in held:
            df.unpersist()
    return out


def _counts(jobs: Jobs, table: str, df: DataFrame, flags: dict[SampleKey, str], load: Load
            ) -> tuple[int, dict[SampleKey, int], dict[tuple[str, str], int]]:
    """Kept rows, the rows of every issue and the row accounting, in one job."""
    from pyspark.sql import functions as F

    lflags = load_flags(table)
    cols = ["_keep", *flags.values(), "_rej", "_blank", *lflags.values(), "_unk_kind"]
    what = "duplicates, negatives, unknown agents" + (", cross-line" if "_cross" in cols else "")
    jobs.start(f"{table}: read and clean (missing values, {what})")
    try:
        row = df.select(F.count(F.lit(1)).alias("_n"),
                        *[F.sum(F.col(c).cast("long")).alias(c) for c in dict.fromkeys(cols)]
                        ).collect()[0]
    finally:
        jobs.done()
    n = {c: int(row[c] or 0) for c in ["_n", *cols]}
    load.blank, load.rejected = n["_blank"], n["_rej"]
    load.read = n["_n"] - load.blank
    return (n["_keep"], {k: n[c] for k, c in flags.items()},
            {**{k: n[c] for k, c in lflags.items()}, KIND_KEY: n["_unk_kind"]})


def _sample_parts(table: str, df: DataFrame, flags: dict[SampleKey, str],
                  counts: dict[SampleKey, int], lcounts: dict[tuple[str, str], int]
                  ) -> list[DataFrame]:
    """The first rows of every issue (scan issues tagged i, load issues LOAD + i) and the
    unknown kind spellings with their counts (tagged KINDS)."""
    from pyspark.sql import functions as F

    schema = ORDERS if table == "orders" else PAYOUTS
    cols = [*schema, ROW, *SAMPLE_IDX[table]]
    first = next(iter(schema))

    def head(i: int, flag: str, *extra: Column) -> DataFrame:
        return (df.filter(F.col(flag)).select(F.lit(i).alias("_issue"), *cols, *extra)
                .orderBy(F.col(ROW).asc_nulls_last(), F.col(first).asc()).limit(SAMPLE_ROWS))

    parts = [head(i, flag) for i, (k, flag) in enumerate(flags.items()) if counts[k]]
    for i, ((code, col), flag) in enumerate(load_flags(table).items()):
        if lcounts[(code, col)]:
            raw = F.col(f"_raw_{col}") if code == "bad_value" else F.lit(None).cast("string")
            parts.append(head(LOAD + i, flag, raw.alias("_raw")))
    if not lcounts[KIND_KEY]:
        return parts
    parts.append(df.filter(F.col("_unk_kind")).groupBy(F.col("_kraw").alias("kind")).agg(
        F.count(F.lit(1)).alias("n"), F.min(ROW).alias(ROW)).select(
        F.lit(KINDS).alias("_issue"), "kind", "n", ROW))
    return parts


def _samples(got: pl.DataFrame, table: str, flags: dict[SampleKey, str],
             counts: dict[SampleKey, int], out: Facts, lcounts: dict[tuple[str, str], int],
             load: Load) -> None:
    schema = {**(ORDERS if table == "orders" else PAYOUTS), ROW: pl.Int64(),
              **{c: pl.Int32() for c in SAMPLE_IDX[table]}}
    first = next(iter(schema))

    def rows(i: int, extra: dict[str, pl.DataType]) -> pl.DataFrame:
        part = got.filter(pl.col("_issue") == i).select(
            [pl.col(c).cast(t) for c, t in {**schema, **extra}.items()])
        return part.sort([ROW, first], nulls_last=True)

    for i, k in enumerate(flags):
        if counts[k]:
            out.samples[k] = Sample(counts[k], rows(i, {}))
    for i, lk in enumerate(load_flags(table)):
        if lcounts[lk]:
            load.samples[lk] = Sample(lcounts[lk], rows(LOAD + i, {"_raw": pl.String()}))
    if lcounts[KIND_KEY]:
        kinds_of(got.filter(pl.col("_issue") == KINDS).select("kind", "n", ROW), load)


def _union(parts: list[DataFrame]) -> DataFrame:
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part, allowMissingColumns=True)
    return union


def _agg(df: DataFrame, value: str, *group: Column) -> DataFrame:
    from pyspark.sql import functions as F

    return df.groupBy(*group).agg(F.sum(value).alias(value), F.count(F.lit(1)).alias("n"))


def _orders(jobs: Jobs, o: DataFrame, out: Facts, load: Load) -> None:
    from pyspark.sql import functions as F

    out.orders, counts, lcounts = _counts(jobs, "orders", o, ORDER_FLAGS, load)
    kept = o.filter(F.col("_keep"))
    base = [F.col("mk"), F.col("kc").alias("kind"), F.col("ext")]
    buys = _agg(kept.filter(F.col("buyer_idx") >= 0), "net", F.lit("buys").alias("_t"),
                F.col("buyer_idx").alias("idx"), *base, F.col("jd"))
    sells = _agg(kept, "net", F.lit("sells").alias("_t"), F.col("seller_idx").alias("idx"),
                 *base)
    got = jobs.collect("orders: buys and sells by agent and month", _union([buys, sells]))
    for name in ("buys", "sells"):
        part = got.filter(pl.col("_t") == name) if got.height else F_.empty(name)
        setattr(out, name, F_.normalize(name, part))
    parts = _sample_parts("orders", o, ORDER_FLAGS, counts, lcounts)
    got = jobs.collect("orders: issue samples", _union(parts)) if parts else pl.DataFrame()
    _samples(got, "orders", ORDER_FLAGS, counts, out, lcounts, load)


def _payouts(jobs: Jobs, p: DataFrame, out: Facts, load: Load) -> None:
    from pyspark.sql import functions as F

    out.payouts, counts, lcounts = _counts(jobs, "payouts", p, PAYOUT_FLAGS, load)
    keys = [F.col("recipient_idx").alias("idx"), F.col("mk"), F.col("kc").alias("kind"),
            *[F.col(c) for c in ("gen", "src_kind", "src_ext", "sjd", "dsrc", "cross")]]
    got = jobs.collect("payouts: pays by agent and month",
                       _agg(p.filter(F.col("_keep")), "amount", *keys))
    out.pays = F_.normalize("pays", got if got.height else F_.empty("pays"))
    parts = _sample_parts("payouts", p, PAYOUT_FLAGS, counts, lcounts)
    if out.plan.cross_top and counts[CROSS]:
        parts.append(p.filter(F.col("_cross")).select(F.lit(TOP).alias("_issue"), *F_.CROSS_TOP)
                     .orderBy(F.col("amount").desc_nulls_last(), F.col("payout_id").asc())
                     .limit(out.plan.cross_top))
    got = jobs.collect("payouts: issue samples and largest cross-line payouts",
                       _union(parts)) if parts else pl.DataFrame()
    _samples(got, "payouts", PAYOUT_FLAGS, counts, out, lcounts, load)
    if got.width and out.plan.cross_top:
        top = got.filter(pl.col("_issue") == TOP)
        out.cross_top = top.select([pl.col(c).cast(t) for c, t in F_.CROSS_TOP.items()]).sort(
            ["amount", "payout_id"], descending=[True, False], nulls_last=True)
