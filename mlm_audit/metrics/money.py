"""Money per agent by group-by on columns (regulations.md §0 definitions).

All amounts are Int64 minor units. Per agent (aligned with the network's dense ``idx``):

- ``bought_<kind>``: purchases by the agent as buyer, per order kind, net of returns;
- ``sold_ext`` / ``sold_int``: sales credited to the agent as seller, to external customers
  (buyer not a participant at the order date) and to participants;
- ``paid_<kind>`` and ``paid_total``: payouts received, per payout kind;
- ``entry``: ENTRY(x) = fees_paid + starter kits + fee orders;
- ``unsold``: stock bought for resale (``stock_up``) not matched by the agent's own sales;
- ``net``: paid_total − entry − unsold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network

NET_AMOUNT = (pl.col("amount") - pl.col("returned_amount").fill_null(0)).alias("net_amount")


def _micros(s: pl.Series, null: int) -> npt.NDArray[np.int64]:
    return s.cast(pl.Datetime("us")).cast(pl.Int64).fill_null(null).to_numpy()


def external_mask(orders: pl.DataFrame, agents: pl.DataFrame) -> npt.NDArray[np.bool_]:
    """True for orders whose buyer is not a participant at the order date.

    A buyer is a participant at t when listed as an agent, joined at or before t (unknown
    join date: always) and not terminated at t. Orders without a date use the buyer's
    listing alone. Gathers on the agent arrays: no join over the orders.
    """
    if orders.height == 0:
        return np.zeros(0, dtype=bool)
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    joined = _micros(agents["joined_at"], lo)
    ended = _micros(agents["terminated_at"], hi)
    b = orders["buyer_idx"].to_numpy()
    agent = b >= 0
    bi = np.where(agent, b, 0)
    t = orders["ordered_at"]
    undated = t.is_null().to_numpy()
    tt = _micros(t, 0)
    member = agent & (undated | ((joined[bi] <= tt) & (ended[bi] > tt)))
    return ~member


def _codes(kind: pl.Series, kinds: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """Position of each kind in ``kinds``; -1 for any other value."""
    found = pc.index_in(kind.cast(pl.String).to_arrow(), value_set=pa.array(kinds))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _sum_by(key: npt.NDArray[np.int64], values: npt.NDArray[np.int64], size: int
            ) -> npt.NDArray[np.int64]:
    """Exact integer sums of ``values`` per ``key`` in 0..size-1 (negative keys dropped)."""
    ok = key >= 0
    key, values = key[ok], values[ok]
    if key.size == 0:
        return np.zeros(size, np.int64)
    bound = max(abs(int(values.max())), abs(int(values.min())))
    if bound * key.size < 2**52:
        # every partial sum is an integer below 2^53: float64 accumulation is exact
        return np.rint(np.bincount(key, weights=values, minlength=size)).astype(np.int64)
    g = pl.DataFrame({"k": key, "v": values}).group_by("k").agg(pl.col("v").sum())
    out = np.zeros(size, np.int64)
    out[g["k"].to_numpy()] = g["v"].to_numpy()
    return out


def _pivot_sum(n: int, idx: npt.NDArray[np.integer], code: npt.NDArray[np.int64],
               values: npt.NDArray[np.int64], kinds: tuple[str, ...], prefix: str
               ) -> dict[str, npt.NDArray[np.int64]]:
    k = len(kinds)
    key = np.where((idx >= 0) & (code >= 0), idx.astype(np.int64) * k + code, -1)
    flat = _sum_by(key, values, n * k).reshape(n, k) if n else np.zeros((0, k), np.int64)
    return {f"{prefix}{kind}": np.ascontiguousarray(flat[:, j]) for j, kind in enumerate(kinds)}


def per_agent(net: Network) -> pl.DataFrame:
    n = net.n
    orders = net.orders
    cols: dict[str, npt.NDArray[np.int64]] = {}

    v = orders.select(NET_AMOUNT)["net_amount"].fill_null(0).to_numpy().astype(np.int64)
    buyer = orders["buyer_idx"].to_numpy()
    cols.update(_pivot_sum(n, buyer, _codes(orders["kind"], ORDER_KINDS), v, ORDER_KINDS,
                           "bought_"))
    dest = net.order_is_external.astype(np.int64)  # 1 = ext, 0 = int
    sold = _pivot_sum(n, orders["seller_idx"].to_numpy(), 1 - dest, v, ("ext", "int"), "sold_")
    cols.update(sold)

    p = net.payouts
    paid = _pivot_sum(n, p["recipient_idx"].to_numpy(), _codes(p["kind"], PAYOUT_KINDS),
                      p["amount"].fill_null(0).to_numpy().astype(np.int64), PAYOUT_KINDS, "paid_")
    cols.update(paid)
    cols["paid_total"] = np.sum(list(paid.values()), axis=0) if paid else np.zeros(n, np.int64)

    fees = net.agents["fees_paid"].fill_null(0).to_numpy().astype(np.int64)
    cols["fees_paid"] = fees
    cols["entry"] = fees + cols["bought_starter_kit"] + cols["bought_fee"]
    resold = cols["sold_ext"] + cols["sold_int"]
    cols["unsold"] = np.maximum(cols["bought_stock_up"] - resold, 0)
    cols["net"] = cols["paid_total"] - cols["entry"] - cols["unsold"]
    return pl.DataFrame(cols)
