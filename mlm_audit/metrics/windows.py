"""Views of the fact tables per agent and period, and per period (docs/scans.md).

The scans reduced orders and payouts to ``buys``, ``sells`` and ``pays`` keyed by agent and
month (:mod:`mlm_audit.scan`); every window (month, quarter, year, all) is derived from the
month key here. Periods (:mod:`mlm_audit.metrics.periods`) are labelled ``YYYY-MM``,
``YYYY-Qn``, ``YYYY`` or ``all``; rows without a date fall in the period ``undated``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics.money import sum_by
from mlm_audit.metrics.periods import Window, month_period, period_label_expr
from mlm_audit.metrics.runs import Runs, idx_of, pk_of
from mlm_audit.metrics.sources import cached, funding_codes, kind_names
from mlm_audit.schema import ORDER_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network

GOODS_KINDS = ("retail", "self_purchase", "stock_up", "starter_kit", "return")
GOODS_CODES = [ORDER_KINDS.index(k) for k in GOODS_KINDS]
RETAIL = ORDER_KINDS.index("retail")


def _by_key_period(df: pl.DataFrame, window: Window, value: pl.Expr, name: str
                   ) -> pl.DataFrame:
    """``idx, pk, <name>``: ``value`` summed per agent and period key (-1: undated)."""
    return (df.lazy().group_by("idx", month_period(window)).agg(value.alias(name))
            .collect(engine="streaming"))


def _labelled(df: pl.DataFrame, window: Window, name: str) -> pl.DataFrame:
    return df.select("idx", period_label_expr(pl.col("pk"), window).alias("period"), name)


def _by_period(df: pl.DataFrame, window: Window, value: pl.Expr, name: str) -> pl.DataFrame:
    g = df.lazy().group_by(month_period(window)).agg(value.alias(name)).collect()
    return g.select(period_label_expr(pl.col("pk"), window).alias("period"), name)


def paid_by_agent_period(net: Network, window: Window) -> pl.DataFrame:
    """``idx, period, paid``: payouts received per agent and period (clawbacks netted)."""
    return _labelled(paid_by_agent_period_key(net, window), window, "paid")


def paid_by_agent_period_key(net: Network, window: Window) -> pl.DataFrame:
    """``idx, pk, paid``: as :func:`paid_by_agent_period`, by period key (-1: undated);
    sorted by (``idx``, ``pk``): run sums over ``pays``, which comes sorted by agent and
    month (:mod:`mlm_audit.metrics.runs`)."""
    def build() -> pl.DataFrame:
        r = Runs.of(net.pays, window)
        known = int(np.searchsorted(r.keys, 1 << 32))  # runs of unknown recipients come first
        keys = r.keys[known:]
        return pl.DataFrame({"idx": idx_of(keys), "pk": pk_of(keys),
                             "paid": r.sum(net.pays["amount"].to_numpy())[known:]})

    return cached(net, ("paid", window), build)


def ext_retail_by_agent_period_key(net: Network, window: Window
                                   ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Run keys (:mod:`mlm_audit.metrics.runs`) and sums of :func:`ext_retail_by_agent_period`
    (keys without such sales may hold 0)."""
    s = net.sells
    r = Runs.of(s, window)
    retail = (s["idx"].to_numpy() >= 0) & s["ext"].to_numpy() & (s["kind"].to_numpy() == RETAIL)
    return r.keys, r.sum(s["net"].to_numpy(), retail)


def ext_retail_by_agent_period(net: Network, window: Window) -> pl.DataFrame:
    """``idx, period, base``: RETAIL_EXT sales credited to each agent, net of returns."""
    s = net.sells.filter((pl.col("idx") >= 0) & pl.col("ext") & (pl.col("kind") == RETAIL))
    return _labelled(_by_key_period(s, window, pl.col("net").sum(), "base"), window, "base")


def paid_by_period(net: Network, window: Window) -> pl.DataFrame:
    """``period, paid``: all payouts per period."""
    return _by_period(net.pays, window, pl.col("amount").sum(), "paid")


def company_base_by_period(
    net: Network, window: Window, base: Literal["company_revenue", "supplied_to_salespeople"]
) -> pl.DataFrame:
    """``period, base``: goods revenue per period, net of returns (fees excluded).

    ``company_revenue`` counts every goods order. ``supplied_to_salespeople`` counts goods
    that reached the sales force: bought by a participant, or credited to an agent's code.
    """
    s = net.sells.filter(pl.col("kind").is_in(GOODS_CODES))
    if base == "supplied_to_salespeople":
        s = s.filter(~pl.col("ext") | (pl.col("idx") >= 0))
    return _by_period(s, window, pl.col("net").sum(), "base")


def payout_sources(net: Network) -> pl.DataFrame:
    """Per group of payouts (``net.pays`` row order): ``linked`` (its source order is
    known), ``src_ext_retail`` (that order is a retail sale to an external buyer) and
    ``src_kind``."""
    def build() -> pl.DataFrame:
        return net.pays.select(
            (pl.col("src_kind") >= 0).alias("linked"),
            ((pl.col("src_ext") == 1) & (pl.col("src_kind") == RETAIL)).alias("src_ext_retail"),
            kind_names(pl.col("src_kind"), ORDER_KINDS).alias("src_kind"),
        )

    return cached(net, "retail_sources", build)


def recruit_pay_mask(net: Network) -> npt.NDArray[np.bool_]:
    """RECRUIT_PAY groups of ``net.pays`` (regulations.md §0): recruitment bonuses, and any
    payout whose source order is a starter kit or a fee."""
    return funding_codes(net) > 0


def recruit_pay_by_agent(net: Network) -> npt.NDArray[np.int64]:
    """RECRUIT_PAY received per agent (aligned with ``idx``), exact."""
    if net.pays.height == 0:
        return np.zeros(net.n, dtype=np.int64)
    rec = net.pays["idx"].to_numpy().astype(np.int64)
    return sum_by(np.where(recruit_pay_mask(net), rec, -1), net.pays["amount"].to_numpy(), net.n)
