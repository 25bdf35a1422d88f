"""Per-row views of what the local engine derives (the fact tables are their grouped sums)."""

from __future__ import annotations

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
    p = derive.payouts(payouts, net.dim, s)
    return o, derive.attribute(p, net.dim, (recs, HashIndex(recs["h"].to_numpy())))
