"""Per-row views of what the local engine derives (the fact tables are their grouped sums)."""

from __future__ import annotations

import numpy as np
import polars as pl

from mlm_audit.network import Network
from mlm_audit.scan import derive
from mlm_audit.scan.facts import ScanPlan
from mlm_audit.scan.ids import id_hash
from mlm_audit.scan.partials import Samples

WIDE = ScanPlan(max_days=366)


def derived(net: Network, orders: pl.DataFrame, payouts: pl.DataFrame,
            plan: ScanPlan = WIDE) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kept orders and payouts with their derived columns, one row each."""
    s = Samples()
    o = derive.orders(orders, net.dim, plan, s)
    wanted = np.unique(id_hash(payouts["source_order_id"].drop_nulls()))
    src = derive.SourceOrders([derive.order_records(o, wanted)] if wanted.size else [])
    return o, derive.payouts(payouts, net.dim, src, s)
