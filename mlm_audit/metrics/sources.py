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
import numpy.typing as npt
import polars as pl

if TYPE_CHECKING:
    from mlm_audit.network import Network

ENTRY_ORDER_KINDS = ("starter_kit", "fee")
_SEED = 0x5EED  # fixed: hashes must agree between the two sides of a join

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


def source_order_rows(net: Network) -> npt.NDArray[np.int32]:
    """Per payout (same order as ``net.payouts``): the row of its source order in
    ``net.orders``, -1 when it names none or one that does not exist (first row wins on
    repeated order ids)."""
    def build() -> npt.NDArray[np.int32]:
        out = np.full(net.payouts.height, -1, dtype=np.int32)
        linked = net.payouts["source_order_id"].is_not_null().to_numpy()
        if linked.any() and net.orders.height:
            # join only the payouts that name an order: many exports settle without one
            rows = np.flatnonzero(linked)
            out[rows] = row_lookup(net.payouts["source_order_id"].gather(rows),
                                   net.orders["order_id"])
        return out

    return cached(net, "source_order_rows", build)


def row_lookup(values: pl.Series, keys: pl.Series) -> npt.NDArray[np.int32]:
    """Position of each value in ``keys``, -1 where absent or null; on repeated keys the
    first position wins.

    Joins on 64-bit hashes of the strings (several times cheaper than a string join over
    millions of rows) and checks every match against the strings; should a hash collide,
    the exact string join decides instead."""
    vals, ks = values.cast(pl.String), keys.cast(pl.String)
    table = pl.DataFrame({"h": ks.hash(_SEED),
                          "i": pl.int_range(0, ks.len(), eager=True, dtype=pl.Int32)})
    left = pl.DataFrame({"h": vals.hash(_SEED)})
    found = left.join(table, on="h", how="left", maintain_order="left")["i"]
    if found.len() != vals.len():  # repeated keys (or hashes): the first position wins
        table = table.unique("h", keep="first", maintain_order=True)
        found = left.join(table, on="h", how="left", maintain_order="left")["i"]
    same = (ks.gather(found.fill_null(0)) == vals).fill_null(False) | found.is_null()
    if not same.all():
        exact = pl.DataFrame({"v": ks, "i": pl.int_range(0, ks.len(), eager=True,
                                                         dtype=pl.Int32)})
        found = pl.DataFrame({"v": vals}).join(
            exact.unique("v", keep="first", maintain_order=True),
            on="v", how="left", maintain_order="left")["i"]
    return found.fill_null(-1).to_numpy().astype(np.int32, copy=False)


def _source_orders(net: Network) -> pl.DataFrame:
    row = source_order_rows(net)
    o = net.orders
    cols = {"src_kind": o["kind"], "src_external": pl.Series(net.order_is_external,
                                                             dtype=pl.Boolean),
            "src_t": o["ordered_at"]}
    if o.height == 0:
        picked = [pl.Series(k, [None] * row.size, dtype=c.dtype) for k, c in cols.items()]
        seller = buyer = row
    else:
        at = pl.Series(row).set(pl.Series(row < 0), None)  # null index: null value
        picked = [c.gather(at).alias(k) for k, c in cols.items()]
        safe = np.maximum(row, 0)
        seller = np.where(row >= 0, o["seller_idx"].to_numpy()[safe], -1)
        buyer = np.where(row >= 0, o["buyer_idx"].to_numpy()[safe], -1)
    return pl.DataFrame([
        pl.Series("seller", seller, dtype=pl.Int32), pl.Series("buyer", buyer, dtype=pl.Int32),
        *picked,
    ])
