"""Pyramid: entry fees and starter kits, recruitment bonuses, overrides deep, few outside buyers.

Nearly everyone pays a joining fee and buys a starter kit (a disguised fee). The sponsor and
the sponsor's sponsor are paid a recruitment bonus on each kit (``source_order_id`` = the
kit order); overrides on members' own purchases flow three generations up. A planted chain
makes the tree at least 12 levels deep. Most participants end up net-negative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlm_audit.generate.common import (
    DAY,
    PK,
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
    tree_uniform,
    upline,
)

CHAIN = 12
FEE, KIT = 39_800, 198_000  # minor units
FEE_SHARE, KIT_SHARE = 0.95, 0.92
BONUS = (0.30, 0.15)  # recruitment bonus on a kit, generations 1 and 2: most pay is headcount pay
OVERRIDES = (0.10, 0.05, 0.03)  # on own purchases, generations 1..3, settled yearly
EXT_SHARE = 0.05


def organizers(n: int) -> np.ndarray:
    extra = min(4, n // 2_000_000)
    return np.concatenate([[0], np.arange(CHAIN, min(n, CHAIN + extra))]).astype(np.int64)


def build(spec: Spec, rng: np.random.Generator) -> Agents:
    n = spec.n
    parent = tree_uniform(n, rng)
    chain = min(CHAIN, n)
    parent[:chain] = np.arange(-1, chain - 1)
    parent[organizers(n)] = -1
    joined = join_times(spec, rng)
    fees = np.where(rng.random(n) < FEE_SHARE, FEE, 0).astype(np.int64)
    fees[parent < 0] = 0
    return Agents(parent, joined, np.full(n, -1, np.int64), fees)


def block(spec: Spec, agents: Agents, lo: int, hi: int, rng: np.random.Generator) -> Block:
    idx = np.arange(lo, hi, dtype=np.int64)
    kit_buyer = idx[(rng.random(idx.size) < KIT_SHARE) & (agents.parent[idx] >= 0)]
    kit_t = agents.joined[kit_buyer] + rng.integers(0, 2 * DAY, kit_buyer.size)
    kits = order_part(kit_buyer, np.full(kit_buyer.size, -1, np.int64),
                      np.full(kit_buyer.size, KIT, np.int64), kit_t, "starter_kit")
    owner = order_owners(agents, lo, hi, max(spec.orders_per_agent - 1, 0), rng)
    t = times_after_join(spec, agents, owner, rng)
    ext = rng.random(owner.size) < EXT_SHARE
    buyer, cust = external(rng, int(ext.sum()), agents.n)
    sales = order_part(buyer, owner[ext], amounts(rng, buyer.size, 150.0), t[ext], "retail", cust)
    own_amount = amounts(rng, int((~ext).sum()), 300.0)
    own = order_part(owner[~ext], np.full(own_amount.size, -1, np.int64), own_amount, t[~ext],
                     "self_purchase")
    payouts = []
    for k, rate in enumerate(BONUS, start=1):
        rec = upline(agents, kit_buyer, k)
        ok = rec >= 0
        m = int(ok.sum())
        payouts.append({
            "p_recipient": rec[ok], "p_amount": np.full(m, int(KIT * rate), np.int64),
            "p_time": kit_t[ok] + 7 * DAY, "p_kind": np.full(m, PK["recruitment_bonus"], np.int8),
            "p_source": kit_buyer[ok], "p_order": np.flatnonzero(ok).astype(np.int64),
        })
    for k, rate in enumerate(OVERRIDES, start=1):
        payouts.append(settle(upline(agents, owner[~ext], k), owner[~ext], t[~ext],
                              (own_amount * rate).astype(np.int64), "override", spec, 365))
    return make_block([kits, sales, own], payouts)


def planted(spec: Spec, agents: Agents, stats: Any) -> dict[str, Any]:
    chain = np.arange(min(CHAIN, agents.n))
    return {
        "organizers": [f"A{i + 1}" for i in organizers(agents.n)],
        "deep_chain": [f"A{i + 1}" for i in chain],
        "min_levels": int(chain.size), "fee": FEE / 100, "starter_kit": KIT / 100,
        "recruitment_bonus_generations": len(BONUS), "override_generations": len(OVERRIDES),
        "external_share": EXT_SHARE,
    }
