"""Scans over orders and payouts for the money checks (regulations.md §0 notions).

Every function reads the network's order/payout columns once and returns a small table:
per payout (generation, recruit funding), per agent-period (purchases, resales, earnings) or
per period. These group-bys are the part that must also run on a distributed engine, so they
stay apart from the tree math and take nothing but columns and dense index arrays.

Periods: :mod:`mlm_audit.metrics.periods`; grouped sums: :mod:`mlm_audit.metrics.groups`;
per-agent-period views of one range of agents: :mod:`mlm_audit.metrics.flows` (run sums
over the sorted fact tables, :mod:`mlm_audit.metrics.runs`); the payout -> source order
join and the cache: :mod:`mlm_audit.metrics.sources`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics import windows
from mlm_audit.metrics.flows import (
    KIND_CODE,
    SHARE_COLS,
    TRADE_COLS,
    flows,
    purchases,
    share_parts,
    share_totals,
)
from mlm_audit.metrics.groups import merge_sums
from mlm_audit.metrics.money import sum_by
from mlm_audit.metrics.periods import Window
from mlm_audit.metrics.runs import KEEP_ROWS, Runs, gather, key_of
from mlm_audit.metrics.sources import FUNDING, cached, funding_codes, kind_names
from mlm_audit.scan.facts import NULL_KIND
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network


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
    code = funding_codes(net, entry_window_days)  # rescans first if the window needs it
    funded_by = pl.Series("funded_by", [None, *FUNDING], dtype=pl.String).gather(code)
    return net.pays.select(
        pl.col("idx").alias("recipient_idx"), "amount", "n",
        kind_names(pl.col("kind"), PAYOUT_KINDS).alias("kind"), "mk", "gen",
        kind_names(pl.col("src_kind"), ORDER_KINDS).alias("src_kind"),
        pl.when(pl.col("src_ext") >= 0).then(pl.col("src_ext") == 1).alias("src_external"),
    ).with_columns(funded_by)


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
    return cached(net, ("flows", window), lambda: flows(net.buys, net.sells, window))


# engineering default: fact rows per agent range in per-agent views (the size up to which
# a table's runs are kept, too)
CHUNK_ROWS = KEEP_ROWS
T = TypeVar("T")


def _agent_ranges(net: Network, rows: int | None = None
                  ) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]]:
    """``buys``, ``sells`` and ``pays`` cut into ranges of agents of about ``rows`` rows of
    buys and sells each (the tables are sorted by agent), so a per-agent view is built one
    range at a time."""
    b, s, p = net.buys, net.sells, net.pays
    rows = rows or CHUNK_ROWS
    if b.height + s.height <= rows:
        yield b, s, p
        return
    bi = b["idx"].to_numpy().astype(np.int64) + 1
    si = s["idx"].to_numpy().astype(np.int64) + 1
    pi = p["idx"].to_numpy()
    cum = np.cumsum(np.bincount(bi, minlength=net.n + 1) + np.bincount(si, minlength=net.n + 1))
    cuts = np.searchsorted(cum, np.arange(rows, int(cum[-1]), rows)) + 1
    bounds = np.unique(np.concatenate(([0], cuts, [net.n + 1])))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        b0, b1 = np.searchsorted(bi, [lo, hi])
        s0, s1 = np.searchsorted(si, [lo, hi])
        p0, p1 = np.searchsorted(pi, [lo - 1, hi - 1])
        yield (b.slice(int(b0), int(b1 - b0)), s.slice(int(s0), int(s1 - s0)),
               p.slice(int(p0), int(p1 - p0)))


def agent_period_trade(net: Network, window: Window, buying: bool = False) -> pl.DataFrame:
    """Per agent and period key ``pk``: ``purchased``, ``self_use``, ``stock_up``, ``resold``
    (see :func:`order_flows`) and ``earned`` (payouts received in the period). Rows without
    a date fall out of dated windows. With ``buying``, only agent-periods with purchases
    (:func:`purchase_periods` and their earnings). Sorted by (``idx``, ``pk``)."""
    if buying:
        return _by_range(net, lambda b, s, p: purchases(b, s, p, window))
    cols = ("idx", "pk", "purchased", "self_use", "stock_up", "resold")
    own = order_flows(net, window).filter(pl.col("idx") >= 0).select(cols)
    return merge_sums([own, earned_by_agent_period(net, window)], TRADE_COLS)


def purchase_periods(net: Network, window: Window) -> pl.DataFrame:
    """Agent-periods with purchases (``purchased`` > 0): ``idx``, ``pk``, ``purchased``,
    ``self_use``, ``stock_up``, ``resold``, as :func:`agent_period_trade` without
    ``earned``. Built one range of agents at a time (the memory of the purchases, not of
    every sale). Sorted by (``idx``, ``pk``)."""
    return shared(net, ("purchases", window),
                  lambda: _by_range(net, lambda b, s, _: purchases(b, s, None, window)),
                  net.buys.height + net.sells.height)


def _by_range(net: Network, view: Callable[[pl.DataFrame, pl.DataFrame, pl.DataFrame],
                                           pl.DataFrame]) -> pl.DataFrame:
    parts = [view(b, s, p) for b, s, p in _agent_ranges(net)]
    return pl.concat(parts) if len(parts) > 1 else parts[0]


def shared(net: Network, key: Hashable, build: Callable[[], T], rows: int) -> T:
    """``build()``, kept for the next rule that asks while the tables it reads (``rows``)
    fit one range of agents; larger ones are rebuilt each time, so the memory of a run at
    scale is one view at a time, not every view kept."""
    return cached(net, key, build) if rows <= CHUNK_ROWS else build()


def views_fit(net: Network) -> bool:
    """True when the per-agent views of the facts are built whole and kept (one range of
    agents): several rules may then hold theirs at once."""
    return net.buys.height + net.sells.height <= CHUNK_ROWS


def earned_at(net: Network, window: Window, idx: npt.NDArray[np.integer],
              pk: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """Payouts received by agent ``idx[i]`` in period ``pk[i]``, for a few agent-periods
    (itemized findings): only the payout rows of those agents are read."""
    out = np.zeros(len(idx), np.int64)
    rec = net.pays["idx"].to_numpy()
    if out.size == 0 or rec.size == 0:
        return out
    wanted = np.zeros(net.n + 1, dtype=bool)  # slot n: unknown recipients (idx -1)
    wanted[np.asarray(idx)] = True
    rows = np.flatnonzero(wanted[np.where(rec >= 0, rec, net.n)])
    pays = net.pays[rows]
    have = Runs(pays, window)
    keys, at = np.unique(key_of(idx, pk), return_inverse=True)
    return gather(keys, have.keys, have.sum(pays["amount"].to_numpy()))[at]


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
    return shared(net, ("shares", window),
                  lambda: _by_range(net, lambda b, s, _: share_parts(b, s, window)),
                  net.buys.height + net.sells.height)


def external_share_totals(net: Network, window: Window) -> pl.DataFrame:
    """:func:`external_share_parts` summed per period key: ``pk``, ``ext``, ``internal``,
    ``orders``, sorted by ``pk`` (periods with no sale or purchase may be absent)."""
    def build() -> pl.DataFrame:  # a row per period: kept for every rule that asks
        parts = [share_totals(b, s, window) for b, s, _ in _agent_ranges(net)]
        out = pl.concat(parts) if len(parts) > 1 else parts[0]
        return out.group_by("pk").agg(pl.col(c).sum() for c in SHARE_COLS).sort("pk")

    return cached(net, ("share_totals", window), build)


def downline_period_sums(
    net: Network, parts: pl.DataFrame, pk: int, cols: tuple[str, ...]
) -> dict[str, npt.NDArray[np.int64]]:
    """Sums of ``cols`` over each agent's downline T(a) (a included) for one period key."""
    return downline_sums(net, parts.filter(pl.col("pk") == pk), cols)


def downline_sums(
    net: Network, rows: pl.DataFrame, cols: tuple[str, ...],
    at: npt.NDArray[np.integer] | None = None,
) -> dict[str, npt.NDArray[np.int64]]:
    """Sums of ``cols`` of per-agent ``rows`` (``idx`` column) over each downline T(a), for
    every agent or only the agents ``at``.

    Exact prefix sums in preorder: T(a) is the preorder interval ``pre[a] ..
    pre[a] + N(a) - 1``, so its sum is a difference of two prefix sums (no pass per tree
    level). An unrooted agent's downline is itself."""
    rows = rows.filter(pl.col("idx") >= 0)
    idx = rows["idx"].to_numpy().astype(np.int64)
    agents = np.arange(net.n) if at is None else np.asarray(at, np.int64)
    pre, size, rooted = net.preorder, net.downline_size, net.rooted
    lo = pre[agents]
    hi = lo + size[agents]
    alone = lo < 0  # unrooted
    lo[alone] = hi[alone] = 0
    pos = pre[idx]
    placed = pos >= 0
    slot = pos[placed] + 1
    prefix = np.zeros(int(rooted.sum()) + 1, np.int64)
    out = {}
    for c in cols:
        v = rows[c].to_numpy().astype(np.int64, copy=False)
        prefix[:] = 0
        np.add.at(prefix, slot, v[placed])
        np.cumsum(prefix, out=prefix)
        got = prefix[hi] - prefix[lo]
        if alone.any():
            got[alone] = sum_by(np.where(placed, -1, idx), v, net.n)[agents[alone]]
        out[c] = got
    return out
