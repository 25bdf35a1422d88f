"""CPS referral: one-level commissions on referred consumer sales, no fees.

Promoters share links; buyers are external customers. A promoter earns a retail commission
(10%) on its own referred sales, and its direct sponsor earns a 3% referral commission on
them (source agent = the direct recruit). Nothing is paid beyond one generation.
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

SHARES = [0.10, 0.30, 0.30, 0.20, 0.10]
OWN_RATE, REFERRAL_RATE = 0.10, 0.03


def build(spec: Spec, rng: np.random.Generator) -> Agents:
    parent = tree_capped(spec.n, rng, SHARES)
    joined = join_times(spec, rng)
    return Agents(parent, joined, terminations(spec, joined, rng, 0.08),
                  np.zeros(spec.n, np.int64))


def block(spec: Spec, agents: Agents, lo: int, hi: int, rng: np.random.Generator) -> Block:
    owner = order_owners(agents, lo, hi, spec.orders_per_agent, rng)
    t = times_after_join(spec, agents, owner, rng)
    buyer, cust = external(rng, owner.size, agents.n)
    amount = amounts(rng, owner.size, 60.0, 0.7)
    ret = returns(rng, amount, 0.04)
    base = amount - ret
    own = settle(owner, owner, t, (base * OWN_RATE).astype(np.int64), "retail_commission", spec)
    sponsor = agents.parent[owner].astype(np.int64)
    ref = settle(sponsor, owner, t, (base * REFERRAL_RATE).astype(np.int64),
                 "retail_commission", spec)
    return make_block([order_part(buyer, owner, amount, t, "retail", cust, ret)], [own, ref])


def planted(spec: Spec, agents: Agents, stats: Any) -> dict[str, Any]:
    return {"paid_generations": 1, "fees": False, "own_rate": OWN_RATE,
            "referral_rate": REFERRAL_RATE, "max_levels": len(SHARES)}
