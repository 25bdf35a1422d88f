"""Scans over orders and payouts for the money checks (regulations.md §0 notions).

Every function reads the network's order/payout columns once and returns a small table:
per payout (generation, recruit funding), per agent-period (purchases, resales, earnings) or
per period. These group-bys are the part that must also run on a distributed engine, so they
stay apart from the tree math and take nothing but columns and dense index arrays.

Periods: :mod:`mlm_audit.metrics.periods`; grouped sums: :mod:`mlm_audit.metrics.groups`;
the payout -> source order join and the cache:
:mod:`mlm_audit.metrics.sources`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics import windows
from mlm_audit.metrics.groups import merge_sums
from mlm_audit.metrics.periods import Window, month_period
from mlm_audit.metrics.sources import cached, kind_names, recruit_funding
from mlm_audit.scan.facts import NULL_KIND
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network

PURCHASE_KINDS = ("stock_up", "starter_kit", "self_purchase")
BUYER_COLS = ("purchased", "self_use", "stock_up", "int_direct", "buys")
SELLER_COLS = ("resold", "ext", "ext_orders")
KIND_CODE = {k: i for i, k in enumerate(ORDER_KINDS)}
PURCHASE_CODES = [KIND_CODE[k] for k in PURCHASE_KINDS]
FLOW_COLS = (*BUYER_COLS, *SELLER_COLS)


# -- payouts ------------------------------------------------------------------------------
def payout_sources(net: Network, entry_window_days: int = 0) -> pl.DataFrame:
    """One row per group of payouts (``net.pays``) with its attribution.

    Columns: ``recipient_idx``, ``amount`` (sum), ``n`` (payouts), ``kind``, ``mk``, ``gen``
    (generation from the recipient down to the source agent; -1 unknown or not in the
    downline; docs/scans.md), ``src_kind``, ``src_external`` (the source order's buyer is
    not a participant; null without a source order) and ``funded_by``: why the payouts count
    as RECRUIT_PAY (``recruitment_bonus``, ``starter_kit``, ``fee``, ``entry_window``) or
    null.

    ``entry_window`` marks pay sourced from a purchase the source agent made within
    ``entry_window_days`` of joining (0 = off); the recipient's own purchases never count.
    """
    if entry_window_days > 0:
        net.require(days=entry_window_days)
    early = (pl.col("sjd") >= 0) & (pl.col("sjd") <= entry_window_days) \
        if entry_window_days > 0 else pl.lit(False)
    return net.pays.select(
        pl.col("idx").alias("recipient_idx"), "amount", "n",
        kind_names(pl.col("kind"), PAYOUT_KINDS).alias("kind"), "mk", "gen",
        kind_names(pl.col("src_kind"), ORDER_KINDS).alias("src_kind"),
        pl.when(pl.col("src_ext") >= 0).then(pl.col("src_ext") == 1).alias("src_external"),
        early.alias("_early"),
    ).with_columns(recruit_funding(pl.col("_early")).alias("funded_by")).drop("_early")


def by_generation(gen: npt.NDArray[np.int32], amount: npt.NDArray[np.int64]) -> dict[str, int]:
    """Sum of payout amounts per generation (``-1``: unknown source or cross-line)."""
    out: dict[str, int] = {}
    if gen.size == 0:
        return out
    known = gen >= 0
    sums = np.bincount(gen[known], weights=amount[known], minlength=1)
    counts = np.bincount(gen[known], minlength=1)
    for g, (s, c) in enumerate(zip(sums, counts, strict=True)):
        if c:
            out[str(g)] = int(round(float(s)))
    unknown = int(amount[~known].sum())
    if (~known).any():
        out["unattributed"] = unknown
    return out


# -- orders per agent and period ----------------------------------------------------------
def order_flows(net: Network, window: Window) -> pl.DataFrame:
    """Per agent and period key ``pk``, from the fact tables (net of returns):

    as buyer: ``purchased`` (stock_up, starter_kit, self_purchase), ``self_use``
    (self_purchase), ``stock_up``, ``int_direct`` (purchases as a participant other than
    stock_up) and ``buys`` (orders bought as a participant); as seller: ``resold``
    (everything sold but returns), ``ext`` (sales to external customers) and ``ext_orders``.
    External sales with no agent seller (company direct) get ``idx`` = -1. Rows are sorted
    by (``idx``, ``pk``).
    """
    def build() -> pl.DataFrame:
        def amt(cond: pl.Expr) -> pl.Expr:
            return pl.when(cond).then(pl.col("net")).otherwise(0).sum()

        def cnt(cond: pl.Expr) -> pl.Expr:
            return pl.when(cond).then(pl.col("n")).otherwise(0).sum()

        kind, ext = pl.col("kind"), pl.col("ext")
        dated = pl.col("pk") >= 0
        buyer = (net.buys.lazy().with_columns(month_period(window)).filter(dated)
                 .group_by("idx", "pk").agg(
                     amt(kind.is_in(PURCHASE_CODES)).alias("purchased"),
                     amt(kind == KIND_CODE["self_purchase"]).alias("self_use"),
                     amt(kind == KIND_CODE["stock_up"]).alias("stock_up"),
                     amt(~ext & (kind != KIND_CODE["stock_up"])).alias("int_direct"),
                     cnt(~ext).alias("buys")))
        sells = (pl.col("idx") >= 0) & (kind != KIND_CODE["return"]) & (kind != NULL_KIND)
        seller = (net.sells.lazy().with_columns(month_period(window))
                  .filter(dated & (sells | ext))
                  .group_by("idx", "pk").agg(
                      amt(sells).alias("resold"), amt(ext).alias("ext"),
                      cnt(ext).alias("ext_orders")))
        both = buyer.join(seller, on=["idx", "pk"], how="full", coalesce=True)
        return (both.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in FLOW_COLS)
                .select("idx", "pk", *FLOW_COLS).sort("idx", "pk").collect())

    return cached(net, ("flows", window), build)


def agent_period_trade(net: Network, window: Window) -> pl.DataFrame:
    """Per agent and period key ``pk``: ``purchased``, ``self_use``, ``stock_up``, ``resold``
    (see :func:`order_flows`) and ``earned`` (payouts received in the period). Rows without
    a date fall out of dated windows. Unordered."""
    flows = order_flows(net, window).filter(pl.col("idx") >= 0).select(
        "idx", "pk", "purchased", "self_use", "stock_up", "resold")
    return merge_sums([flows, earned_by_agent_period(net, window)],
                      ("purchased", "self_use", "stock_up", "resold", "earned"))


def earned_by_agent_period(net: Network, window: Window) -> pl.DataFrame:
    """``idx, pk, earned``: payouts received per agent and period key (the scan behind
    :func:`mlm_audit.metrics.windows.paid_by_agent_period`). Payouts without a date fall out
    of dated windows. Unordered."""
    paid = windows.paid_by_agent_period_key(net, window)
    return paid.filter(pl.col("pk") >= 0).rename({"paid": "earned"})


def early_purchases(
    net: Network, days: int, exclude: tuple[str, ...] = ("return",)
) -> npt.NDArray[np.int64]:
    """Per agent: purchases (kinds not in ``exclude``) within ``days`` days of joining."""
    out = np.zeros(net.n, dtype=np.int64)
    if days <= 0 or net.facts.orders == 0:
        return out
    net.require(days=days)
    skip = [KIND_CODE[k] for k in exclude if k in KIND_CODE]
    g = (net.buys.filter((pl.col("jd") >= 0) & (pl.col("jd") <= days)
                         & ~pl.col("kind").is_in(skip) & (pl.col("kind") != NULL_KIND))
         .group_by("idx").agg(pl.col("net").sum()))
    out[g["idx"].to_numpy()] = g["net"].to_numpy()
    return out


# -- external share -----------------------------------------------------------------------
def external_share_parts(net: Network, window: Window) -> pl.DataFrame:
    """Per agent and period key ``pk``: ``ext`` = sales to external customers credited to the
    agent as seller; ``internal`` = the agent's own purchases as a participant (self_purchase,
    starter_kit, fee, retail bought from another agent) plus stock_up it bought and did not
    resell in the period; ``orders`` = orders counted for the agent (external sales as
    seller, purchases as buyer). Stock bought for resale and resold is counted once, at its
    resale, so a wholesale-then-retail chain is not read as internal consumption. External
    sales with no agent seller (company direct) get ``idx`` = -1. Unordered.
    """
    unsold = pl.max_horizontal(pl.col("stock_up") - pl.col("resold"), pl.lit(0))
    return order_flows(net, window).select(
        "idx", "pk",
        pl.max_horizontal(pl.col("ext"), pl.lit(0)).alias("ext"),
        pl.max_horizontal(pl.col("int_direct") + unsold, pl.lit(0)).alias("internal"),
        (pl.col("buys") + pl.col("ext_orders")).alias("orders"),
    )


def downline_period_sums(
    net: Network, parts: pl.DataFrame, pk: int, cols: tuple[str, ...]
) -> dict[str, npt.NDArray[np.int64]]:
    """Sums of ``cols`` over each agent's downline T(a) (a included) for one period key."""
    return downline_sums(net, parts.filter(pl.col("pk") == pk), cols)


def downline_sums(
    net: Network, rows: pl.DataFrame, cols: tuple[str, ...]
) -> dict[str, npt.NDArray[np.int64]]:
    """Sums of ``cols`` of per-agent ``rows`` (``idx`` column) over each downline T(a)."""
    rows = rows.filter(pl.col("idx") >= 0)
    idx = rows["idx"].to_numpy()
    out = {}
    for c in cols:
        own = np.bincount(idx, weights=rows[c].to_numpy(), minlength=net.n)
        out[c] = net.subtree_sum(np.rint(own).astype(np.int64))
    return out
