"""What several scans share: a per-network cache, and the join of payouts to their source
orders.

A network is immutable once built, so a scan that several checks read runs once per network.
The cache is keyed weakly: it dies with the network. The payout -> source order join is over
the two largest tables, so it is done once and every view of it (generation attribution,
RECRUIT_PAY, retail-sourced pay) is derived from the cached result.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from mlm_audit.network import Network

ENTRY_ORDER_KINDS = ("starter_kit", "fee")

_CACHE: weakref.WeakKeyDictionary[Network, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def cached(net: Network, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per network and key."""
    try:
        slot = _CACHE.setdefault(net, {})
    except TypeError:  # an object that cannot be weakly referenced: no cache
        return build()
    if key not in slot:
        slot[key] = build()
    return slot[key]


def recruit_funding(early: pl.Expr | None = None) -> pl.Expr:
    """Why a payout counts as RECRUIT_PAY (regulations.md §0), over its ``kind`` and its
    source order's ``src_kind``: ``recruitment_bonus``, the entry order kind (``starter_kit``,
    ``fee``), ``entry_window`` where ``early`` holds, or null (not RECRUIT_PAY)."""
    funded = (
        pl.when(pl.col("kind") == "recruitment_bonus").then(pl.lit("recruitment_bonus"))
        .when(pl.col("src_kind").is_in(ENTRY_ORDER_KINDS)).then(pl.col("src_kind"))
    )
    if early is not None:
        funded = funded.when(early).then(pl.lit("entry_window"))
    return funded.otherwise(pl.lit(None, pl.String))


def source_orders(net: Network) -> pl.DataFrame:
    """One row per payout (same order as ``net.payouts``) describing its source order:
    ``seller``, ``buyer`` (dense ids, -1 when absent or unknown), ``src_kind``,
    ``src_external`` (its buyer is not a participant) and ``src_t`` (its date); all null
    when the payout names no order or an order that does not exist. With duplicate order
    ids (a network built without preflight) the first order counts."""
    return cached(net, "source_orders", lambda: _source_orders(net))


def _source_orders(net: Network) -> pl.DataFrame:
    p = net.payouts
    n = p.height
    seller = np.full(n, -1, dtype=np.int32)
    buyer = np.full(n, -1, dtype=np.int32)
    src_kind = pl.Series("src_kind", [None] * n, dtype=pl.String)
    src_ext = pl.Series("src_external", [None] * n, dtype=pl.Boolean)
    src_t = pl.Series("src_t", [None] * n, dtype=pl.Datetime("us"))
    linked = p["source_order_id"].is_not_null().to_numpy()
    if linked.any() and net.orders.height:
        # join only the payouts that name an order: many exports settle without one
        rows = np.flatnonzero(linked)
        o = net.orders.select(
            pl.col("order_id").alias("source_order_id"), "kind", "ordered_at", "buyer_idx",
            "seller_idx", pl.Series("ext", net.order_is_external, dtype=pl.Boolean),
        )
        left = p[rows].select("source_order_id")
        j = left.join(o, on="source_order_id", how="left", maintain_order="left")
        if j.height != rows.size:  # duplicate order ids: keep each id's first order
            o = o.unique("source_order_id", keep="first", maintain_order=True)
            j = left.join(o, on="source_order_id", how="left", maintain_order="left")
        seller[rows] = j["seller_idx"].fill_null(-1).to_numpy()
        buyer[rows] = j["buyer_idx"].fill_null(-1).to_numpy()
        src_kind = src_kind.scatter(rows, j["kind"])
        src_ext = src_ext.scatter(rows, j["ext"])
        src_t = src_t.scatter(rows, j["ordered_at"])
    return pl.DataFrame([
        pl.Series("seller", seller, dtype=pl.Int32), pl.Series("buyer", buyer, dtype=pl.Int32),
        src_kind, src_ext, src_t,
    ])
