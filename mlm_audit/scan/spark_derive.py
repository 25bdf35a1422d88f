"""Spark column expressions for the derived columns of docs/scans.md.

Orders and payouts are enriched row by row (agent indexes, kind codes, month keys, ext, jd,
source attribution, gen, cross) and flagged for every data issue; :mod:`.spark` then groups
and samples them. Every flag and code is non-null, so filters and group keys never meet SQL
nulls.

Rows are first accounted for as the local loader does (:func:`loaded`): blank rows
(``_blank``) are skipped, rows missing a required value (``_rej``) are rejected; neither
takes part in anything after (``_drop``), but both stay in the frame so the jobs that count
and sample issues see them.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from mlm_audit.scan.derive import MAX_DAYS
from mlm_audit.scan.facts import NO_SOURCE, NULL_KIND, OTHER_KIND
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS, REQUIRED_VALUES, ROOT_MARKERS, ROW, SCHEMAS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

DAY_US = 86_400_000_000
RETURN = ORDER_KINDS.index("return")
ORDER_COLS = ("order_id", "buyer_id", "seller_id", "amount", "ordered_at", "kind",
              "returned_amount")
PAYOUT_COLS = ("payout_id", "recipient_id", "amount", "paid_at", "kind", "source_agent_id",
               "source_order_id")


def _f() -> ModuleType:
    from pyspark.sql import functions

    return functions


def kind_code(col: str, kinds: tuple[str, ...]) -> Column:
    F = _f()
    e = F.when(F.col(col).isNull(), F.lit(NULL_KIND))
    for i, k in enumerate(kinds):
        e = e.when(F.col(col) == k, F.lit(i))
    return e.otherwise(F.lit(OTHER_KIND)).cast("int")


def month_key(ts: str) -> Column:
    F = _f()
    t = F.col(ts).cast("timestamp")
    return F.coalesce(F.year(t) * 12 + F.month(t) - 1, F.lit(-1)).cast("int")


def micros(ts: str) -> Column:
    F = _f()
    return F.unix_micros(F.col(ts).cast("timestamp"))


def money_cols(table: str) -> list[str]:
    return [c for c, t in SCHEMAS[table].items() if t.is_integer()]


def loaded(raw: DataFrame, table: str) -> DataFrame:
    """The row accounting of the local loader as flags: ``_miss_<col>`` (a required value
    empty), ``_bad_<col>`` (an invalid money value), ``_rej`` (rejected), ``_unk_kind`` (a
    kind with no mapping, on a loaded row), ``_drop`` (blank or rejected). Frames built by
    programs (no ``_blank``, ``_bad_*``, ``_kraw``) get them empty."""
    F = _f()
    have = set(raw.columns)
    df = raw.withColumns({c: F.lit(v).cast(t) for c, v, t in [
        ("_blank", False, "boolean"), ("_kraw", None, "string"),
        *[(f"_bad_{m}", False, "boolean") for m in money_cols(table)],
        *[(f"_raw_{m}", None, "string") for m in money_cols(table)]] if c not in have})
    blank = F.col("_blank")
    flags = {f"_miss_{c}": ~blank & F.col(c).isNull() & ~(
        F.col(f"_bad_{c}") if c in money_cols(table) else F.lit(False))
        for c in REQUIRED_VALUES[table]}
    rej = F.lit(False)
    for c in REQUIRED_VALUES[table]:
        rej = rej | F.col(c).isNull()
    flags["_rej"] = ~blank & rej
    df = df.withColumns(flags)
    return df.withColumns({"_drop": blank | F.col("_rej"),
                           "_unk_kind": ~blank & ~F.col("_rej") & F.col("_kraw").isNotNull()})


def dedupe(df: DataFrame, key: str, cols: tuple[str, ...]) -> DataFrame:
    """``_dup``: a later row of a repeated id among the rows loaded (first = smallest
    ``_row``; rows without one come after, in an order fixed by their values)."""
    from pyspark.sql import Window

    F = _f()
    order = [F.col(ROW).asc_nulls_last()] + [F.col(c).asc_nulls_first() for c in cols
                                             if c != key]
    rn = F.row_number().over(Window.partitionBy(key, "_drop").orderBy(*order))
    return df.withColumn("_dup", ~F.col("_drop") & F.col(key).isNotNull() & (rn > 1))


def lookup(df: DataFrame, dim: DataFrame, id_col: str, prefix: str,
           extra: tuple[str, ...]) -> DataFrame:
    """Left join on an agent id: ``{prefix}_idx`` (-1 when unknown) and dimension columns
    ``{prefix}_{col}``."""
    F = _f()
    side = dim.select(F.col("agent_id").alias(f"_{prefix}_key"), F.col("idx").alias("_i"),
                      *[F.col(c).alias(f"{prefix}_{c}") for c in extra])
    out = df.join(side, F.col(id_col) == F.col(f"_{prefix}_key"), "left")
    return out.withColumn(f"{prefix}_idx", F.coalesce(F.col("_i"), F.lit(-1)).cast("int")) \
        .drop("_i", f"_{prefix}_key")


def orders(raw: DataFrame, dim: DataFrame, max_days: int) -> DataFrame:
    """Orders with ``buyer_idx, seller_idx, kc, mk, net, ext, jd`` and the flags ``_dup``,
    ``_neg``, ``_keep``, ``_unk_seller``."""
    F = _f()
    df = dedupe(loaded(raw, "orders"), "order_id", ORDER_COLS)
    df = lookup(df, dim, "buyer_id", "b", ("joined", "ended", "level", "pre"))
    df = lookup(df, dim, "seller_id", "s", ("level", "pre"))
    df = df.withColumnsRenamed({"b_idx": "buyer_idx", "s_idx": "seller_idx"})
    t = F.col("_t")
    joined, ended = F.col("b_joined"), F.col("b_ended")
    member = (F.col("buyer_idx") >= 0) & (t.isNull() | (
        (joined.isNull() | (joined <= t)) & (ended.isNull() | (t < ended))))
    known = (F.col("buyer_idx") >= 0) & t.isNotNull() & joined.isNotNull() & (t >= joined)
    days = F.expr(f"(_t - b_joined + {DAY_US - 1}) div {DAY_US}")
    df = df.withColumn("_t", micros("ordered_at")).withColumns({
        "kc": kind_code("kind", ORDER_KINDS),
        "mk": month_key("ordered_at"),
        "net": F.col("amount") - F.coalesce(F.col("returned_amount"), F.lit(0)),
        "ext": ~member,
        "jd": F.when(known & (days <= min(max_days, MAX_DAYS)), days).otherwise(-1).cast("int"),
    })
    neg = F.coalesce(F.col("amount") < 0, F.lit(False)) & (F.col("kc") != RETURN)
    seller = F.col("seller_id")
    marker = F.lower(F.trim(seller)).isin(list(ROOT_MARKERS))
    live = ~F.col("_dup") & ~F.col("_drop")
    return df.withColumns({"_neg": live & neg}).withColumns({
        "_keep": live & ~F.col("_neg"),
    }).withColumn("_unk_seller", F.col("_keep") & (F.col("seller_idx") < 0)
                  & seller.isNotNull() & ~F.coalesce(marker, F.lit(False)))


def gen(u: str, v: str) -> Column:
    """gen(u, v) from the columns ``{u}_idx, {u}_level, {u}_pre, {u}_size`` and
    ``{v}_idx, {v}_level, {v}_pre``; -1 when v is not in u's downline."""
    F = _f()
    c = F.col
    ok = ((c(f"{u}_idx") >= 0) & (c(f"{v}_idx") >= 0) & (c(f"{u}_level") > 0)
          & (c(f"{v}_level") > 0) & (c(f"{u}_pre") <= c(f"{v}_pre"))
          & (c(f"{v}_pre") < c(f"{u}_pre") + c(f"{u}_size")))
    return F.when(F.coalesce(ok, F.lit(False)), c(f"{v}_level") - c(f"{u}_level")) \
        .otherwise(F.lit(-1)).cast("int")


def payouts(raw: DataFrame, dim: DataFrame, kept_orders: DataFrame | None) -> DataFrame:
    """Payouts with ``recipient_idx, source_idx, kc, mk, gen, src_kind, src_ext, sjd, dsrc,
    cross`` and the flags ``_dup``, ``_neg``, ``_keep``, ``_unk_rec``, ``_unk_src``,
    ``_cross``."""
    F = _f()
    c = F.col
    df = dedupe(loaded(raw, "payouts"), "payout_id", PAYOUT_COLS)
    df = lookup(df, dim, "recipient_id", "r", ("level", "pre", "size"))
    df = lookup(df, dim, "source_agent_id", "a", ("level", "pre"))
    if kept_orders is not None:
        src = kept_orders.filter(c("_keep") & c("order_id").isNotNull()).select(
            c("order_id").alias("_so"), c("kc").alias("so_kind"),
            c("ext").cast("int").alias("so_ext"), c("jd").alias("so_jd"),
            c("buyer_idx").alias("ob_idx"), c("b_level").alias("ob_level"),
            c("b_pre").alias("ob_pre"), c("seller_idx").alias("os_idx"),
            c("s_level").alias("os_level"), c("s_pre").alias("os_pre"))
        df = df.join(src, c("source_order_id") == c("_so"), "left").drop("_so")
    else:
        df = df.withColumns({k: F.lit(None).cast("int") for k in (
            "so_kind", "so_ext", "so_jd", "ob_idx", "ob_level", "os_idx", "os_level")})
        df = df.withColumns({k: F.lit(None).cast("long") for k in ("ob_pre", "os_pre")})
    has_src = c("so_kind").isNotNull()
    ob, os_ = F.coalesce(c("ob_idx"), F.lit(-1)), F.coalesce(c("os_idx"), F.lit(-1))
    df = df.withColumnsRenamed({"r_idx": "recipient_idx", "a_idx": "source_idx"})
    rec, srca = c("recipient_idx"), c("source_idx")
    df = df.withColumns({"r_idx": rec, "a_idx": srca})  # the names gen() reads
    g_src, g_sel, g_buy = gen("r", "a"), gen("r", "os"), gen("r", "ob")
    attributed = (F.when(srca >= 0, g_src)
                  .when(has_src & ((os_ >= 0) | (ob >= 0)),
                        F.when(g_sel >= 0, g_sel).otherwise(g_buy))
                  .otherwise(F.lit(-1)))
    src_ext = F.when(has_src, c("so_ext")).otherwise(F.lit(NO_SOURCE))
    sjd_ok = (has_src & (ob >= 0) & (ob != rec) & ((srca == -1) | (srca == ob))
              & (src_ext == 0) & ~c("so_kind").isin(RETURN, NULL_KIND))
    dsrc = (srca >= 0) & (srca != rec)
    df = df.withColumns({
        "kc": kind_code("kind", PAYOUT_KINDS),
        "mk": month_key("paid_at"),
        "gen": attributed.cast("int"),
        "src_kind": F.coalesce(c("so_kind"), F.lit(NO_SOURCE)).cast("int"),
        "src_ext": src_ext.cast("int"),
        "sjd": F.when(F.coalesce(sjd_ok, F.lit(False)), c("so_jd")).otherwise(-1).cast("int"),
        "dsrc": dsrc,
        "cross": (rec >= 0) & dsrc & (g_src == -1),
    })
    keep = ~c("_dup") & ~c("_drop")
    return df.withColumns({
        "_keep": keep,
        "_neg": keep & F.coalesce(c("amount") < 0, F.lit(False)),
        "_unk_rec": keep & (rec < 0),
        "_unk_src": keep & c("source_agent_id").isNotNull() & (srca < 0),
        "_cross": keep & c("cross"),
    })
