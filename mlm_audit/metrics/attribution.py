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

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics import windows
from mlm_audit.metrics.groups import interleave, merge_sums
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
    return cached(net, ("flows", window), lambda: _flows(net.buys, net.sells, window))


CHUNK_ROWS = 8_000_000  # engineering default: fact rows per agent range in per-agent views


def _agent_ranges(net: Network, rows: int | None = None
                  ) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """``buys`` and ``sells`` cut into ranges of agents of about ``rows`` rows each (both
    tables are sorted by agent), so a per-agent view is built one range at a time."""
    b, s = net.buys, net.sells
    rows = rows or CHUNK_ROWS
    if b.height + s.height <= rows:
        yield b, s
        return
    bi = b["idx"].to_numpy().astype(np.int64) + 1
    si = s["idx"].to_numpy().astype(np.int64) + 1
    cum = np.cumsum(np.bincount(bi, minlength=net.n + 1) + np.bincount(si, minlength=net.n + 1))
    cuts = np.searchsorted(cum, np.arange(rows, int(cum[-1]), rows)) + 1
    bounds = np.unique(np.concatenate(([0], cuts, [net.n + 1])))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        b0, b1 = np.searchsorted(bi, [lo, hi])
        s0, s1 = np.searchsorted(si, [lo, hi])
        yield b.slice(int(b0), int(b1 - b0)), s.slice(int(s0), int(s1 - s0))


def _flows(b: pl.DataFrame, s: pl.DataFrame, window: Window) -> pl.DataFrame:
    """:func:`order_flows` of some rows of ``buys`` and ``sells``."""
    # buys and sells come sorted by (idx, mk), so (idx, pk) keys arrive in order:
    # every column is a segment sum (np.add.reduceat), no hash group-by or join
    bk, bkeep = _flow_keys(b, window)
    sk, skeep = _flow_keys(s, window)
    # each column is built, reduced and dropped in turn: fact tables can hold 100M rows
    kind, ext, net_ = b["kind"].to_numpy(), b["ext"].to_numpy(), b["net"].to_numpy()
    buyer = _segments(bk, bkeep, {
        "purchased": lambda: net_ * np.isin(kind, PURCHASE_CODES),
        "self_use": lambda: net_ * (kind == KIND_CODE["self_purchase"]),
        "stock_up": lambda: net_ * (kind == KIND_CODE["stock_up"]),
        "int_direct": lambda: net_ * (~ext & (kind != KIND_CODE["stock_up"])),
        "buys": lambda: b["n"].to_numpy() * ~ext,
    })
    skind, sext, snet = s["kind"].to_numpy(), s["ext"].to_numpy(), s["net"].to_numpy()
    sells = ((s["idx"].to_numpy() >= 0) & (skind != KIND_CODE["return"])
             & (skind != NULL_KIND))
    seller = _segments(sk, skeep & (sells | sext), {
        "resold": lambda: snet * sells, "ext": lambda: snet * sext,
        "ext_orders": lambda: s["n"].to_numpy() * sext,
    })
    keys, at_buyer, at_seller = interleave(buyer[0], seller[0])
    cols: dict[str, npt.NDArray[np.int64]] = {}
    for at, (_, sums) in ((at_buyer, buyer), (at_seller, seller)):
        for c, v in sums.items():
            cols[c] = np.zeros(keys.size, np.int64)
            cols[c][at] = v
    return pl.DataFrame({
        "idx": ((keys >> _PK_BITS) - 1).astype(np.int32),
        "pk": (keys & ((1 << _PK_BITS) - 1)).astype(np.int32),
        **{c: cols[c] for c in FLOW_COLS},
    })


_PK_BITS = 24  # period keys stay below 2**24 (year 9999 in months is 120000)


def _flow_keys(df: pl.DataFrame, window: Window
               ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Per fact row: the (agent, period) key, and whether the row has a period."""
    pk = df.select(month_period(window))["pk"].to_numpy().astype(np.int64)
    keys = ((df["idx"].to_numpy().astype(np.int64) + 1) << _PK_BITS) | np.maximum(pk, 0)
    return keys, pk >= 0


def _segments(keys: npt.NDArray[np.int64], keep: npt.NDArray[np.bool_],
              cols: dict[str, Callable[[], npt.NDArray[np.int64]]]
              ) -> tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[np.int64]]]:
    """Sums of each column (made on demand) over runs of equal ``keys``, rows where
    ``keep`` holds."""
    keys = keys[keep]
    order = None
    if keys.size and (keys[1:] < keys[:-1]).any():  # fact tables come sorted
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
    if keys.size == 0:
        return keys, {c: np.zeros(0, np.int64) for c in cols}
    start = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    out = {}
    for c, make in cols.items():
        v = make()[keep].astype(np.int64, copy=False)
        out[c] = np.add.reduceat(v if order is None else v[order], start)
    return keys[start], out


def agent_period_trade(net: Network, window: Window, buying: bool = False) -> pl.DataFrame:
    """Per agent and period key ``pk``: ``purchased``, ``self_use``, ``stock_up``, ``resold``
    (see :func:`order_flows`) and ``earned`` (payouts received in the period). Rows without
    a date fall out of dated windows. With ``buying``, only agent-periods with purchases
    (built one range of agents at a time: the memory of the purchases, not of every sale).
    Unordered."""
    cols = ("idx", "pk", "purchased", "self_use", "stock_up", "resold")
    if buying:
        parts = [_flows(b, s, window).filter((pl.col("idx") >= 0) & (pl.col("purchased") > 0))
                 .select(cols) for b, s in _agent_ranges(net)]
        flows = pl.concat(parts) if parts else pl.DataFrame(
            schema={c: pl.Int32 if c in ("idx", "pk") else pl.Int64 for c in cols})
    else:
        flows = order_flows(net, window).filter(pl.col("idx") >= 0).select(cols)
    out = merge_sums([flows, earned_by_agent_period(net, window)],
                     ("purchased", "self_use", "stock_up", "resold", "earned"))
    return out.filter(pl.col("purchased") > 0) if buying else out


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
    parts = [_flows(b, s, window).select(
        "idx", "pk",
        pl.max_horizontal(pl.col("ext"), pl.lit(0)).alias("ext"),
        pl.max_horizontal(pl.col("int_direct") + unsold, pl.lit(0)).alias("internal"),
        (pl.col("buys") + pl.col("ext_orders")).alias("orders"),
    ) for b, s in _agent_ranges(net)]  # one range of agents at a time
    return pl.concat(parts)


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
