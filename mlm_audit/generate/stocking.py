"""微商 agency stocking: tiered agents buy stock from their upline far beyond what they resell.

Ranks follow the tier (总代 at the top, then 一级, 二级, 三级 and 零售代理). Each agent pays
a tier fee and buys stock (``stock_up``) from its sponsor — the company for 总代 — many
times more than it sells to outside customers. The sponsor earns a price-difference bonus
(``team_bonus``) on its recruits' stock; 总代 get a rank bonus on their organization's stock.
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
    settle,
    times_after_join,
    tree_capped,
    upline,
)

RANKS = ["总代", "一级", "二级", "三级", "零售代理"]
SHARES = [0.01, 0.06, 0.18, 0.35, 0.40]
TIER_FEE = (0, 500_000, 200_000, 50_000, 10_000)  # minor units, by tier
STOCK_MEDIAN = (20_000.0, 8_000.0, 3_000.0, 1_200.0, 600.0)  # yuan per stock order, by tier
STOCK_SHARE = 0.6  # of orders; the rest are small retail sales to outside customers
PRICE_DIFF, RANK_BONUS = 0.12, 0.03
LOADED_SHOWN = 20


def build(spec: Spec, rng: np.random.Generator) -> Agents:
    parent = tree_capped(spec.n, rng, SHARES)
    agents = Agents(parent, join_times(spec, rng), np.full(spec.n, -1, np.int64),
                    np.zeros(spec.n, np.int64), RANKS)
    tier = (agents.level - 1).clip(0, len(RANKS) - 1).astype(np.int8)
    agents.rank_code = tier
    agents.fees = np.asarray(TIER_FEE, np.int64)[tier]
    return agents


def block(spec: Spec, agents: Agents, lo: int, hi: int, rng: np.random.Generator) -> Block:
    owner = order_owners(agents, lo, hi, spec.orders_per_agent, rng)
    t = times_after_join(spec, agents, owner, rng)
    assert agents.rank_code is not None
    tier = agents.rank_code[owner]
    stock = rng.random(owner.size) < STOCK_SHARE
    s_owner, s_t = owner[stock], t[stock]
    median = np.asarray(STOCK_MEDIAN)[tier[stock]]
    s_amount = (np.round(rng.lognormal(np.log(median), 0.3), 0) * 100).astype(np.int64)
    sponsor = agents.parent[s_owner].astype(np.int64)
    stock_orders = order_part(s_owner, sponsor, s_amount, s_t, "stock_up")
    buyer, cust = external(rng, int((~stock).sum()), agents.n)
    sales = order_part(buyer, owner[~stock], amounts(rng, buyer.size, 80.0), t[~stock], "retail",
                       cust)
    diff = settle(sponsor, s_owner, s_t, (s_amount * PRICE_DIFF).astype(np.int64), "team_bonus",
                  spec)
    top = upline(agents, s_owner, 0)
    for _ in range(len(RANKS)):
        top = np.where(agents.parent[top] >= 0, agents.parent[top], top).astype(np.int64)
    rank = settle(np.where(top != s_owner, top, -1), s_owner, s_t,
                  (s_amount * RANK_BONUS).astype(np.int64), "rank_bonus", spec)
    return make_block([stock_orders, sales], [diff, rank])


def planted(spec: Spec, agents: Agents, stats: Any) -> dict[str, Any]:
    unsold = np.maximum(stats.stock - stats.sold, 0)
    loaded = np.argsort(-unsold, kind="stable")[:LOADED_SHOWN]
    return {
        "ranks": RANKS, "top_tier": int((agents.parent < 0).sum()),
        "loaded_agents": [f"A{i + 1}" for i in loaded if unsold[i] > 0],
        "unsold_share_of_stock": round(float(unsold.sum() / max(stats.stock.sum(), 1)), 4),
        "price_difference_rate": PRICE_DIFF,
    }
