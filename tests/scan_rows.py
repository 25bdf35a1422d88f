"""Per-row views of what the local engine derives (the fact tables are their grouped sums)."""

from __future__ import annotations

import numpy as np
import polars as pl

from mlm_audit.network import Network
from mlm_audit.scan import derive
from mlm_audit.scan.facts import ScanPlan
from mlm_audit.scan.hashindex import HashIndex
from mlm_audit.scan.partials import Samples

WIDE = ScanPlan(max_days=366)


def derived(net: Network, orders: pl.DataFrame, payouts: pl.DataFrame,
            plan: ScanPlan = WIDE) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kept orders and payouts with their derived columns, one row each."""
    s = Samples()
    o = derive.orders(orders, net.dim, plan, s).filter(~pl.col("neg"))
    recs = derive.order_records(o)
    rec, _ = derive.payout_records(payouts, net.dim, s)
    p = payouts.with_columns(rec.drop("amount").get_columns())
    src = None
    if recs.height and p.height:
        pos = HashIndex(recs["h"].to_numpy()).find(p["soh"].to_numpy())
        src = derive.source(recs, np.where(p["linked"].to_numpy(), pos, -1))
    return o, derive.attributed(p, net.dim, src)
