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

from mlm_audit import kernels
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network


def sum_by(key: npt.NDArray[np.int64], values: npt.NDArray[np.int64], size: int
           ) -> npt.NDArray[np.int64]:
    """Exact integer sums of ``values`` per ``key`` in 0..size-1 (negative keys dropped)."""
    if key.size == 0 or values.size == 0:
        return np.zeros(size, np.int64)
    compiled = kernels.sum_by(key, values, size)
    if compiled is not None:  # exact int64 sums in one pass in C
        return compiled
    bound = max(abs(int(values.max())), abs(int(values.min())))
    lo = int(key.min())
    if bound * key.size < 2**52 and lo >= -1:
        # every partial sum is an integer below 2^53: float64 accumulation is exact; key -1
        # (dropped) counts in a bin of its own instead of a copy of the kept rows
        w = np.bincount(key + 1 if lo < 0 else key, weights=values, minlength=size + (lo < 0))
        w = w[1:] if lo < 0 else w
        return np.rint(w, out=w).astype(np.int64)
    ok = key >= 0
    key, values = key[ok], values[ok]
    if key.size == 0:
        return np.zeros(size, np.int64)
    if bound * key.size < 2**52:
        return np.rint(np.bincount(key, weights=values, minlength=size)).astype(np.int64)
    g = pl.DataFrame({"k": key, "v": values}).group_by("k").agg(pl.col("v").sum())
    out = np.zeros(size, np.int64)
    out[g["k"].to_numpy()] = g["v"].to_numpy()
    return out


def _pivot_sum(n: int, idx: npt.NDArray[np.integer], code: npt.NDArray[np.int64],
               values: npt.NDArray[np.int64], kinds: tuple[str, ...], prefix: str
               ) -> dict[str, npt.NDArray[np.int64]]:
    k = len(kinds)
    # kind-major keys: each kind's column is a contiguous row of the result, no copies
    key = np.where((idx >= 0) & (code >= 0), code * n + idx, -1)
    flat = sum_by(key, values, n * k).reshape(k, n)
    return {f"{prefix}{kind}": flat[j] for j, kind in enumerate(kinds)}


def per_agent(net: Network) -> pl.DataFrame:
    n = net.n
    cols: dict[str, npt.NDArray[np.int64]] = {}
    b, s, p = net.buys, net.sells.filter(pl.col("idx") >= 0), net.pays
    cols.update(_pivot_sum(n, b["idx"].to_numpy(), _known(b["kind"], ORDER_KINDS),
                           b["net"].to_numpy(), ORDER_KINDS, "bought_"))
    dest = s["ext"].to_numpy().astype(np.int64)  # 1 = ext, 0 = int
    cols.update(_pivot_sum(n, s["idx"].to_numpy(), 1 - dest, s["net"].to_numpy(),
                           ("ext", "int"), "sold_"))
    cols.update(_pivot_sum(n, p["idx"].to_numpy(), _known(p["kind"], PAYOUT_KINDS),
                           p["amount"].to_numpy(), PAYOUT_KINDS, "paid_"))
    cols["paid_total"] = net.paid_total

    fees = net.agents["fees_paid"].fill_null(0).to_numpy().astype(np.int64)
    cols["fees_paid"] = fees
    cols["entry"] = fees + cols["bought_starter_kit"] + cols["bought_fee"]
    resold = cols["sold_ext"] + cols["sold_int"]
    cols["unsold"] = np.maximum(cols["bought_stock_up"] - resold, 0)
    cols["net"] = cols["paid_total"] - cols["entry"] - cols["unsold"]
    return pl.DataFrame(cols)


def paid_total(net: Network) -> npt.NDArray[np.int64]:
    """Payouts received per agent, over every payout kind (``per_agent``'s ``paid_total``,
    also read on its own)."""
    p = net.pays
    idx, code = p["idx"].to_numpy(), _known(p["kind"], PAYOUT_KINDS)
    key = np.where((idx >= 0) & (code >= 0), idx, -1).astype(np.int64)
    return sum_by(key, p["amount"].to_numpy().astype(np.int64, copy=False), net.n)


def _known(code: pl.Series, kinds: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """Kind codes of the fact tables; -1 for kinds outside ``kinds`` (unknown, none)."""
    c = code.to_numpy().astype(np.int64)
    return np.where(c < len(kinds), c, -1)
