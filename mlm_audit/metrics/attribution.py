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
from mlm_audit.metrics.groups import SortedGroups, merge_sums
from mlm_audit.metrics.money import NET_AMOUNT
from mlm_audit.metrics.periods import Window, period_key
from mlm_audit.metrics.sources import cached, recruit_funding, source_orders
from mlm_audit.schema import ORDER_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network

PURCHASE_KINDS = ("stock_up", "starter_kit", "self_purchase")
DAY_US = 86_400 * 1_000_000
BUYER_COLS = ("purchased", "self_use", "stock_up", "int_direct", "buys")
SELLER_COLS = ("resold", "ext", "ext_orders")
KIND_CODE = {k: i for i, k in enumerate(ORDER_KINDS)}
PURCHASE_CODES = [KIND_CODE[k] for k in PURCHASE_KINDS]
FLOW_COLS = (*BUYER_COLS, *SELLER_COLS)


# -- payouts ------------------------------------------------------------------------------
def _attributed_payouts(net: Network) -> pl.DataFrame:
    p = net.payouts.select("recipient_idx", "source_idx", "amount", "kind", "paid_at")
    so = source_orders(net)
    rec = p["recipient_idx"].to_numpy().astype(np.int32)
    src = p["source_idx"].to_numpy().astype(np.int32)
    seller = so["seller"].to_numpy()
    buyer = so["buyer"].to_numpy()
    gen = net.generation(rec, src)
    infer = np.flatnonzero((src < 0) & ((seller >= 0) | (buyer >= 0)))
    source = src.copy()
    if infer.size:
        g_sel = net.generation(rec[infer], seller[infer])
        g_buy = net.generation(rec[infer], buyer[infer])
        use_sel = g_sel >= 0
        source[infer] = np.where(use_sel, seller[infer], buyer[infer])
        gen[infer] = np.where(use_sel, g_sel, g_buy)
    joined = net.agents["joined_at"].gather(np.where(buyer >= 0, buyer, 0))
    return p.select("recipient_idx", "amount", "kind", "paid_at").with_columns(
        pl.Series("source", source, dtype=pl.Int32),
        pl.Series("gen", gen, dtype=pl.Int32),
        so["src_kind"], so["src_external"], so["src_t"].alias("_t"),
        joined.alias("_bj"),
        pl.Series("_buyer_ok", (buyer >= 0) & (buyer != rec) & ((src < 0) | (src == buyer))),
    )


def payout_sources(net: Network, entry_window_days: int = 0) -> pl.DataFrame:
    """One row per payout (same order as ``net.payouts``) with its attribution.

    Columns: ``recipient_idx``, ``amount``, ``kind``, ``paid_at``, ``source`` (the source agent:
    ``source_agent_id``; when absent, the source order's seller if the recipient is above or at
    it, else its buyer), ``gen`` = gen(recipient, source) (-1 unknown or not in the downline),
    ``src_kind``, ``src_external`` (the source order's buyer is not a participant; null
    without a source order) and ``funded_by``: why the payout counts as RECRUIT_PAY
    (``recruitment_bonus``, ``starter_kit``, ``fee``, ``entry_window``) or null.

    ``entry_window`` marks pay sourced from a purchase the source agent made within
    ``entry_window_days`` of joining (0 = off); the recipient's own purchases never count.
    """
    df = cached(net, "attributed_payouts", lambda: _attributed_payouts(net))
    early = pl.lit(False)
    if entry_window_days > 0:
        delta = (pl.col("_t") - pl.col("_bj")).dt.total_microseconds()
        early = (
            pl.col("_buyer_ok")
            & ~pl.col("src_external").fill_null(True)
            & (pl.col("src_kind") != "return")
            & (delta >= 0)
            & (delta <= entry_window_days * DAY_US)
        ).fill_null(False)
    return df.select(
        "recipient_idx", "amount", "kind", "paid_at", "source", "gen", "src_kind",
        "src_external", recruit_funding(early).alias("funded_by"),
    )


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
NO_KIND = len(KIND_CODE)  # a kind outside ORDER_KINDS
NULL_KIND = NO_KIND + 1


def kind_codes(net: Network) -> npt.NDArray[np.int8]:
    """Per order: the index of its kind in ORDER_KINDS, NO_KIND for another kind, NULL_KIND
    when absent. Computed once per network: comparing strings over every order is slow."""
    def build() -> npt.NDArray[np.int8]:
        kind = net.orders["kind"]
        codes = kind.replace_strict(KIND_CODE, default=NO_KIND, return_dtype=pl.Int8)
        return codes.fill_null(NULL_KIND).to_numpy().astype(np.int8, copy=False)

    return cached(net, "kind_codes", build)


def order_flows(net: Network, window: Window) -> pl.DataFrame:
    """Per agent and period key ``pk``, from one scan of the orders (net of returns):

    as buyer: ``purchased`` (stock_up, starter_kit, self_purchase), ``self_use``
    (self_purchase), ``stock_up``, ``int_direct`` (purchases as a participant other than
    stock_up) and ``buys`` (orders bought as a participant); as seller: ``resold``
    (everything sold but returns), ``ext`` (sales to external customers) and ``ext_orders``.
    External sales with no agent seller (company direct) get ``idx`` = -1. Rows are sorted
    by (``idx``, ``pk``).
    """
    def build() -> pl.DataFrame:
        o = net.orders
        cols = o.select(period_key("ordered_at", window),
                        NET_AMOUNT.fill_null(0).cast(pl.Int64).alias("amt"))
        pk_s = cols["pk"]
        dated = pk_s.is_not_null().to_numpy()
        pk = pk_s.fill_null(0).to_numpy()
        amt = cols["amt"].to_numpy()
        k = kind_codes(net)
        ext = np.asarray(net.order_is_external, dtype=bool)
        buyer, seller = o["buyer_idx"].to_numpy(), o["seller_idx"].to_numpy()
        sells = (seller >= 0) & (k != KIND_CODE["return"]) & (k != NULL_KIND)
        # each order counts for its buyer (purchase columns) and its seller (sale columns):
        # both sides go through one sort, then every column is a masked segment sum
        b = np.flatnonzero(dated & (buyer >= 0))
        sl = np.flatnonzero(dated & (sells | ext))
        nb = b.size
        g = SortedGroups(np.concatenate([buyer[b], seller[sl]]),
                         np.concatenate([pk[b], pk[sl]]))
        rows = np.concatenate([b, sl])[g.order]
        side_b = g.order < nb
        amt_, k_, ext_ = amt[rows], k[rows], ext[rows]
        stock = k_ == KIND_CODE["stock_up"]
        # one scratch buffer for every masked column: fresh multi-megabyte arrays cost
        # page faults that outweigh the arithmetic
        buf = np.empty(amt_.size, dtype=np.int64)

        def amount_sums(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
            np.multiply(amt_, mask, out=buf)
            return g.sums(buf, scratch=True)

        def count_sums(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
            np.copyto(buf, mask)
            return g.sums(buf, scratch=True)

        bought = side_b & np.isin(k_, PURCHASE_CODES)
        return pl.DataFrame({**g.keys,
            "purchased": amount_sums(bought),
            "self_use": amount_sums(side_b & (k_ == KIND_CODE["self_purchase"])),
            "stock_up": amount_sums(side_b & stock),
            "int_direct": amount_sums(side_b & ~ext_ & ~stock),
            "buys": count_sums(side_b & ~ext_),
            "resold": amount_sums(~side_b & sells[rows]),
            "ext": amount_sums(~side_b & ext_),
            "ext_orders": count_sums(~side_b & ext_),
        })

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
    if days <= 0 or net.orders.height == 0:
        return out
    joined = net.agents.select(pl.col("idx").alias("buyer_idx"), pl.col("joined_at").alias("_j"))
    delta = (pl.col("ordered_at") - pl.col("_j")).dt.total_microseconds()
    g = (
        net.orders.filter((pl.col("buyer_idx") >= 0) & ~pl.col("kind").is_in(exclude))
        .select("buyer_idx", "ordered_at", NET_AMOUNT)
        .join(joined, on="buyer_idx", how="left")
        .filter((delta >= 0) & (delta <= days * DAY_US))
        .group_by("buyer_idx").agg(pl.col("net_amount").sum())
    )
    out[g["buyer_idx"].to_numpy()] = g["net_amount"].to_numpy()
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
