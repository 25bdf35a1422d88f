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

from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network

NET_AMOUNT = (pl.col("amount") - pl.col("returned_amount").fill_null(0)).alias("net_amount")


def external_mask(orders: pl.DataFrame, agents: pl.DataFrame) -> npt.NDArray[np.bool_]:
    """True for orders whose buyer is not a participant at the order date.

    A buyer is a participant at t when listed as an agent, joined at or before t (unknown
    join date: always) and not terminated at t. Orders without a date use the buyer's
    listing alone.
    """
    if orders.height == 0:
        return np.zeros(0, dtype=bool)
    status = agents.select(
        pl.col("idx").alias("buyer_idx"),
        pl.col("joined_at").alias("_j"),
        pl.col("terminated_at").alias("_t"),
    )
    df = orders.select("buyer_idx", "ordered_at").join(
        status, on="buyer_idx", how="left", maintain_order="left"
    )
    t = pl.col("ordered_at")
    participant = (pl.col("buyer_idx") >= 0) & (
        t.is_null()
        | (
            (pl.col("_j").is_null() | (pl.col("_j") <= t))
            & (pl.col("_t").is_null() | (pl.col("_t") > t))
        )
    )
    return (~df.select(participant.alias("p"))["p"]).to_numpy().astype(bool)


def _scatter(n: int, idx: pl.Series, values: pl.Series) -> npt.NDArray[np.int64]:
    out = np.zeros(n, dtype=np.int64)
    ii = idx.to_numpy()
    out[ii] = values.to_numpy()
    return out


def _pivot_sum(
    n: int, df: pl.DataFrame, key: str, kind_col: str, kinds: tuple[str, ...], prefix: str
) -> dict[str, npt.NDArray[np.int64]]:
    cols: dict[str, npt.NDArray[np.int64]] = {f"{prefix}{k}": np.zeros(n, np.int64) for k in kinds}
    if df.height == 0:
        return cols
    g = (
        df.filter(pl.col(key) >= 0)
        .group_by(key, kind_col)
        .agg(pl.col("v").sum())
    )
    for kind in kinds:
        part = g.filter(pl.col(kind_col) == kind)
        if part.height:
            cols[f"{prefix}{kind}"] = _scatter(n, part[key], part["v"])
    return cols


def per_agent(net: Network) -> pl.DataFrame:
    n = net.n
    orders = net.orders
    cols: dict[str, npt.NDArray[np.int64]] = {}

    o = orders.select(
        "buyer_idx", "seller_idx", "kind", NET_AMOUNT.alias("v")
    ).with_columns(pl.Series("ext", net.order_is_external))
    cols.update(_pivot_sum(n, o, "buyer_idx", "kind", ORDER_KINDS, "bought_"))
    sold = _pivot_sum(
        n,
        o.with_columns(pl.when(pl.col("ext")).then(pl.lit("ext")).otherwise(pl.lit("int"))
                       .alias("dest")),
        "seller_idx", "dest", ("ext", "int"), "sold_",
    )
    cols.update(sold)

    p = net.payouts.select("recipient_idx", "kind", pl.col("amount").alias("v"))
    paid = _pivot_sum(n, p, "recipient_idx", "kind", PAYOUT_KINDS, "paid_")
    cols.update(paid)
    cols["paid_total"] = np.sum(list(paid.values()), axis=0) if paid else np.zeros(n, np.int64)

    fees = net.agents["fees_paid"].fill_null(0).to_numpy().astype(np.int64)
    cols["fees_paid"] = fees
    cols["entry"] = fees + cols["bought_starter_kit"] + cols["bought_fee"]
    resold = cols["sold_ext"] + cols["sold_int"]
    cols["unsold"] = np.maximum(cols["bought_stock_up"] - resold, 0)
    cols["net"] = cols["paid_total"] - cols["entry"] - cols["unsold"]
    return pl.DataFrame(cols)
