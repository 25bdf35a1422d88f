"""Lawful direct selling: at most 3 levels, most revenue from sales to outside customers.

Agents pay nothing to join. About 85% of orders are retail sales by an agent to an external
customer (``C…``); the rest are modest purchases for own use. Each agent earns a retail
commission (15%) on its own sales, settled half-yearly; nothing is paid on recruiting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlm_audit.generate.common import (
    Agents,
    Block,
    Spec,
    amounts,
    external,
    join_times,
    make_block,
    order_owners,
    order_part,
    returns,
    settle,
    terminations,
    times_after_join,
    tree_capped,
)

SHARES = [0.04, 0.36, 0.60]
RETAIL_SHARE = 0.85
COMMISSION = 0.15


def build(spec: Spec, rng: np.random.Generator) -> Agents:
    parent = tree_capped(spec.n, rng, SHARES)
    joined = join_times(spec, rng)
    return Agents(parent, joined, terminations(spec, joined, rng, 0.05),
                  np.zeros(spec.n, np.int64))


def block(spec: Spec, agents: Agents, lo: int, hi: int, rng: np.random.Generator) -> Block:
    owner = order_owners(agents, lo, hi, spec.orders_per_agent, rng)
    t = times_after_join(spec, agents, owner, rng)
    sale = rng.random(owner.size) < RETAIL_SHARE
    s_owner, s_t = owner[sale], t[sale]
    buyer, cust = external(rng, s_owner.size, agents.n)
    s_amount = amounts(rng, s_owner.size, 120.0)
    s_ret = returns(rng, s_amount, 0.02)
    retail = order_part(buyer, s_owner, s_amount, s_t, "retail", cust, s_ret)
    own = order_part(owner[~sale], np.full(int((~sale).sum()), -1, np.int64),
                     amounts(rng, int((~sale).sum()), 90.0), t[~sale], "self_purchase")
    commission = ((s_amount - s_ret) * COMMISSION).astype(np.int64)
    pay = settle(s_owner, s_owner, s_t, commission, "retail_commission", spec)
    return make_block([retail, own], [pay])


def planted(spec: Spec, agents: Agents, stats: Any) -> dict[str, Any]:
    return {"max_levels": len(SHARES), "fees": False, "retail_share": RETAIL_SHARE,
            "commission_rate": COMMISSION, "paid_generations": 0}
