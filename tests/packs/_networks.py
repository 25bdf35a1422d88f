"""Small scenario networks for pack tests: two lawful shapes and two unlawful ones.

``retail``: three levels, no fees, sales mostly to outside customers, a commission on the
agent's own sales. ``cps``: five levels, no fees, outside customers only, 10% to the seller
and a one-level 3% referral commission to its sponsor. ``pyramid``: everyone pays a fee and
a starter kit, sponsors get recruitment bonuses on kits and overrides three generations up
on members' own purchases. ``stocking``: tiered agents pay tier fees and buy stock from
their sponsor far beyond what they resell; sponsors earn a price difference on it.
"""

from __future__ import annotations

import random
from typing import Any

from mlm_audit.network import Network
from tests.checks._build_b import build
from tests.checks._build_b import day as _at


def _capped_tree(n: int, shares: list[float], rng: random.Random) -> list[int]:
    """Parent index per agent (-1 root); agent i's sponsor joined before it."""
    parent, level = [-1], [0]
    by_level: dict[int, list[int]] = {0: [0]}
    for i in range(1, n):
        lv = rng.choices(range(len(shares)), weights=shares)[0]
        above = by_level.get(lv - 1, [])
        if lv == 0 or not above:
            parent.append(-1)
            lv = 0
        else:
            parent.append(rng.choice(above))
        level.append(lv)
        by_level.setdefault(lv, []).append(i)
    return parent


def _agents(parent: list[int], fees: list[int] | None = None) -> list[dict[str, Any]]:
    return [{"agent_id": f"A{i + 1}", "sponsor_id": f"A{p + 1}" if p >= 0 else None,
             "joined_at": _at(i * 0.5), "fees_paid": fees[i] if fees else 0}
            for i, p in enumerate(parent)]


def retail(n: int = 400, seed: int = 1) -> Network:
    rng = random.Random(seed)
    parent = _capped_tree(n, [0.04, 0.36, 0.60], rng)
    orders: list[dict[str, Any]] = []
    payouts: list[dict[str, Any]] = []
    for i in range(n):
        for k in range(4):
            day = i * 0.5 + 5 + 30 * k
            amount = rng.randint(5_000, 20_000)
            orders.append({"order_id": f"O{len(orders) + 1}", "buyer_id": f"C{i}-{k}",
                           "seller_id": f"A{i + 1}", "amount": amount, "kind": "retail",
                           "ordered_at": _at(day)})
            payouts.append({"payout_id": f"P{len(payouts) + 1}", "recipient_id": f"A{i + 1}",
                            "amount": amount * 15 // 100, "kind": "retail_commission",
                            "source_agent_id": f"A{i + 1}",
                            "source_order_id": f"O{len(orders)}", "paid_at": _at(day + 1)})
        orders.append({"order_id": f"O{len(orders) + 1}", "buyer_id": f"A{i + 1}",
                       "seller_id": None, "amount": 3_000, "kind": "self_purchase",
                       "ordered_at": _at(i * 0.5 + 6)})  # with a sale in the same month
    return build(_agents(parent), orders, payouts)


def cps(n: int = 400, seed: int = 2) -> Network:
    rng = random.Random(seed)
    parent = _capped_tree(n, [0.10, 0.30, 0.30, 0.20, 0.10], rng)
    orders: list[dict[str, Any]] = []
    payouts: list[dict[str, Any]] = []
    for i in range(n):
        for k in range(3):
            day = i * 0.5 + 3 + 20 * k
            amount = rng.randint(2_000, 9_000)
            orders.append({"order_id": f"O{len(orders) + 1}", "buyer_id": f"C{i}-{k}",
                           "seller_id": f"A{i + 1}", "amount": amount, "kind": "retail",
                           "ordered_at": _at(day)})
            oid = f"O{len(orders)}"
            payouts.append({"payout_id": f"P{len(payouts) + 1}", "recipient_id": f"A{i + 1}",
                            "amount": amount // 10, "kind": "retail_commission",
                            "source_agent_id": f"A{i + 1}", "source_order_id": oid,
                            "paid_at": _at(day + 1)})
            if parent[i] >= 0:
                payouts.append({"payout_id": f"P{len(payouts) + 1}",
                                "recipient_id": f"A{parent[i] + 1}",
                                "amount": amount * 3 // 100, "kind": "retail_commission",
                                "source_agent_id": f"A{i + 1}", "source_order_id": oid,
                                "paid_at": _at(day + 1)})
    return build(_agents(parent), orders, payouts)


def pyramid(n: int = 400, seed: int = 3) -> Network:
    rng = random.Random(seed)
    parent = [-1] + [rng.randrange(0, i) for i in range(1, n)]
    orders: list[dict[str, Any]] = []
    payouts: list[dict[str, Any]] = []
    for i in range(n):
        day = i * 0.5
        if i:
            orders.append({"order_id": f"K{i}", "buyer_id": f"A{i + 1}", "seller_id": None,
                           "amount": 198_000, "kind": "starter_kit", "ordered_at": _at(day)})
            up, gen = parent[i], 1
            while up >= 0 and gen <= 2:
                payouts.append({"payout_id": f"P{len(payouts) + 1}",
                                "recipient_id": f"A{up + 1}", "amount": 198_000 // (5 * gen),
                                "kind": "recruitment_bonus", "source_agent_id": f"A{i + 1}",
                                "source_order_id": f"K{i}", "paid_at": _at(day + 2)})
                up, gen = parent[up], gen + 1
        orders.append({"order_id": f"S{i}", "buyer_id": f"A{i + 1}", "seller_id": None,
                       "amount": 20_000, "kind": "self_purchase", "ordered_at": _at(day + 10)})
        up, gen = parent[i], 1
        while up >= 0 and gen <= 3:
            payouts.append({"payout_id": f"P{len(payouts) + 1}", "recipient_id": f"A{up + 1}",
                            "amount": 20_000 // (10 * gen), "kind": "override",
                            "source_agent_id": f"A{i + 1}", "source_order_id": f"S{i}",
                            "paid_at": _at(day + 12)})
            up, gen = parent[up], gen + 1
    return build(_agents(parent, [0] + [39_800] * (n - 1)), orders, payouts)


def stocking(n: int = 400, seed: int = 4) -> Network:
    rng = random.Random(seed)
    parent = _capped_tree(n, [0.01, 0.06, 0.18, 0.35, 0.40], rng)
    orders: list[dict[str, Any]] = []
    payouts: list[dict[str, Any]] = []
    for i in range(n):
        for k in range(3):
            day = i * 0.5 + 2 + 30 * k
            oid = f"O{len(orders) + 1}"
            seller = f"A{parent[i] + 1}" if parent[i] >= 0 else None
            orders.append({"order_id": oid, "buyer_id": f"A{i + 1}", "seller_id": seller,
                           "amount": 100_000, "kind": "stock_up", "ordered_at": _at(day)})
            if parent[i] >= 0:
                payouts.append({"payout_id": f"P{len(payouts) + 1}",
                                "recipient_id": seller, "amount": 12_000, "kind": "team_bonus",
                                "source_agent_id": f"A{i + 1}", "source_order_id": oid,
                                "paid_at": _at(day + 3)})
        orders.append({"order_id": f"O{len(orders) + 1}", "buyer_id": f"C{i}",
                       "seller_id": f"A{i + 1}", "amount": 20_000, "kind": "retail",
                       "ordered_at": _at(i * 0.5 + 40)})
    fees = [0 if p < 0 else 50_000 for p in parent]
    return build(_agents(parent, fees), orders, payouts)
