"""Scans over orders and payouts: per-agent, per-period and per-payout tables.

These group-bys are the part of an audit that grows with the data (billions of rows in the
largest deployments) and that must also run on a distributed engine, so they live here,
apart from the tree math: every function takes the network's columnar tables and returns
a small polars table or a numpy array aligned with the dense agent index. Checks call
these; they never scan orders or payouts inline.

Periods (:mod:`mlm_audit.metrics.periods`) are labelled ``YYYY-MM``, ``YYYY-Qn``, ``YYYY``
or ``all``; rows without a date fall in the period ``undated``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics.money import NET_AMOUNT
from mlm_audit.metrics.periods import Window, period_key, period_label_expr
from mlm_audit.metrics.sources import cached, recruit_funding, source_orders

if TYPE_CHECKING:
    from mlm_audit.network import Network

GOODS_KINDS = ("retail", "self_purchase", "stock_up", "starter_kit", "return")


_KEY_SPAN = 1_000_000  # period keys (+1) stay below this: 9999-12 -> 120000


def _group(df: pl.DataFrame, key: pl.Expr, value: pl.Expr, name: str) -> pl.DataFrame:
    # the streaming engine groups millions of keys several times faster than the eager one
    return (df.lazy().group_by(key.alias("_k")).agg(value.alias(name))
            .collect(engine="streaming"))


def _by_period(df: pl.DataFrame, key: str | None, ts: str, window: Window,
               value: pl.Expr, name: str) -> pl.DataFrame:
    """Sum ``value`` per (``key``, period). One int64 group key instead of two columns:
    agent-month groups number in the millions and a single-column group-by is much faster."""
    if key is None:
        pk = period_key(ts, window).fill_null(-1).cast(pl.Int64) + 1
        out = _group(df, pk, value, name)
        return out.select(period_label_expr(pl.col("_k") - 1, window).alias("period"), name)
    return _by_key_period(df, key, ts, window, value, name).select(
        "idx", period_label_expr(pl.col("pk"), window).alias("period"), name)


def _by_key_period(df: pl.DataFrame, key: str, ts: str, window: Window,
                   value: pl.Expr, name: str) -> pl.DataFrame:
    """``idx, pk, <name>``: ``value`` summed per (``key``, period key); undated rows in
    dated windows get ``pk`` = -1. Unordered."""
    pk = period_key(ts, window).fill_null(-1).cast(pl.Int64) + 1
    out = _group(df, pl.col(key).cast(pl.Int64) * _KEY_SPAN + pk, value, name)
    return out.select(
        (pl.col("_k") // _KEY_SPAN).cast(pl.Int32).alias("idx"),
        (pl.col("_k") % _KEY_SPAN - 1).cast(pl.Int32).alias("pk"),
        name,
    )


def _orders_with_ext(net: Network) -> pl.DataFrame:
    return net.orders.select(
        "order_id", "buyer_idx", "seller_idx", "kind", "ordered_at", NET_AMOUNT,
    ).with_columns(pl.Series("ext", net.order_is_external, dtype=pl.Boolean))


def paid_by_agent_period(net: Network, window: Window) -> pl.DataFrame:
    """``idx, period, paid``: payouts received per agent and period (clawbacks netted)."""
    return paid_by_agent_period_key(net, window).select(
        "idx", period_label_expr(pl.col("pk"), window).alias("period"), "paid")


def paid_by_agent_period_key(net: Network, window: Window) -> pl.DataFrame:
    """``idx, pk, paid``: as :func:`paid_by_agent_period`, by period key (-1: undated)."""
    def build() -> pl.DataFrame:
        p = net.payouts.filter(pl.col("recipient_idx") >= 0)
        return _by_key_period(p, "recipient_idx", "paid_at", window,
                              pl.col("amount").sum(), "paid")

    return cached(net, ("paid", window), build)


def ext_retail_by_agent_period(net: Network, window: Window) -> pl.DataFrame:
    """``idx, period, base``: RETAIL_EXT sales credited to each agent, net of returns."""
    o = _orders_with_ext(net).filter(
        (pl.col("seller_idx") >= 0) & pl.col("ext") & (pl.col("kind") == "retail"))
    return _by_period(o, "seller_idx", "ordered_at", window,
                      pl.col("net_amount").sum(), "base")


def paid_by_period(net: Network, window: Window) -> pl.DataFrame:
    """``period, paid``: all payouts per period."""
    return _by_period(net.payouts, None, "paid_at", window, pl.col("amount").sum(), "paid")


def company_base_by_period(
    net: Network, window: Window, base: Literal["company_revenue", "supplied_to_salespeople"]
) -> pl.DataFrame:
    """``period, base``: goods revenue per period, net of returns (fees excluded).

    ``company_revenue`` counts every goods order. ``supplied_to_salespeople`` counts goods
    that reached the sales force: bought by a participant, or credited to an agent's code.
    """
    o = _orders_with_ext(net).filter(pl.col("kind").is_in(GOODS_KINDS))
    if base == "supplied_to_salespeople":
        o = o.filter(~pl.col("ext") | (pl.col("seller_idx") >= 0))
    return _by_period(o, None, "ordered_at", window, pl.col("net_amount").sum(), "base")


def payout_sources(net: Network) -> pl.DataFrame:
    """Per payout (row order kept): ``linked`` (its source order is known), ``src_ext_retail``
    (that order is a retail sale to an external buyer) and ``src_kind``."""
    def build() -> pl.DataFrame:
        return source_orders(net).select(
            pl.col("src_kind").is_not_null().alias("linked"),
            (pl.col("src_external") & (pl.col("src_kind") == "retail"))
            .fill_null(False).alias("src_ext_retail"),
            pl.col("src_kind"),
        )

    return cached(net, "retail_sources", build)


def recruit_pay_mask(net: Network) -> npt.NDArray[np.bool_]:
    """RECRUIT_PAY rows (regulations.md §0): recruitment bonuses, and any payout whose
    source order is a starter kit or a fee."""
    if net.payouts.height == 0:
        return np.zeros(0, dtype=bool)
    rows = pl.DataFrame([net.payouts["kind"], source_orders(net)["src_kind"]])
    return rows.select(recruit_funding().is_not_null().alias("rp"))["rp"].to_numpy().astype(bool)


def recruit_pay_by_agent(net: Network) -> npt.NDArray[np.int64]:
    """RECRUIT_PAY received per agent (aligned with ``idx``)."""
    out = np.zeros(net.n, dtype=np.int64)
    if net.payouts.height == 0:
        return out
    rec = net.payouts["recipient_idx"].to_numpy()
    amt = net.payouts["amount"].fill_null(0).to_numpy().astype(np.int64)
    keep = recruit_pay_mask(net) & (rec >= 0)
    np.add.at(out, rec[keep], amt[keep])
    return out
