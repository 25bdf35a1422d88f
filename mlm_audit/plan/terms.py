"""Facts derived from a plan's terms, shared by the plan checks and the simulator.

Plan-level analogues of regulations.md §0: ENTRY (what joining, or the right to earn, costs),
RECRUIT_PAY (pay that is a function of recruiting), DOWNLINE_PAY and ``paid_depth`` (the
deepest generation a plan pays on), and the plan's maximum payout ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlm_audit.metrics import periods
from mlm_audit.model import Finding, Subject
from mlm_audit.plan.schema import Bonus, PlanModel

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan

UNLIMITED = math.inf


@dataclass(frozen=True)
class Element:
    """One term of the plan, named for findings and located for evidence."""

    name: str  # e.g. commission.level3, bonus.recruit, join.fee
    path: tuple[str | int, ...]
    detail: dict[str, Any]

    def evidence(self, plan: Plan) -> dict[str, Any]:
        return {"element": self.name, "where": plan.where(*self.path), **self.detail}


def money_text(minor: int, currency: str) -> str:
    """An amount with its currency: ``CNY 1,980.00``."""
    return f"{currency} {periods.money_text(minor)}"


def commission_name(m: PlanModel, i: int) -> str:
    lv = m.commissions[i]
    same = [x for x in m.commissions if x.generation == lv.generation]
    base = "commission.own" if lv.generation == 0 else f"commission.level{lv.generation}"
    return base if len(same) == 1 else f"{base}.{lv.basis}"


def downline_elements(m: PlanModel) -> list[tuple[Element, float]]:
    """Every term paying on someone else's activity, with the generations it reaches."""
    out: list[tuple[Element, float]] = []
    for i, lv in enumerate(m.commissions):
        if lv.generation > 0 and lv.rate > 0:
            out.append((Element(commission_name(m, i), ("commissions", i),
                                {"generation": lv.generation, "rate": lv.rate,
                                 "basis": lv.basis}), float(lv.generation)))
    for i, b in enumerate(m.bonuses):
        depth: float
        if b.kind == "recruitment":
            depth = float(max(b.generations or 1, b.from_generation))
        elif b.kind == "team" or (b.kind == "rank" and b.basis == "team_volume"):
            depth = float(b.generations) if b.generations else UNLIMITED
        else:
            continue
        out.append((Element(f"bonus.{b.id}", ("bonuses", i),
                            {"kind": b.kind, "generations": _depth_text(depth)}), depth))
    for i, r in enumerate(m.ranks):
        if r.bonus_rate > 0 and r.basis == "team_volume":
            out.append((Element(f"rank.{r.name}", ("ranks", i),
                                {"bonus_rate": r.bonus_rate, "basis": r.basis,
                                 "generations": "unlimited"}), UNLIMITED))
    return out


def recruit_generations(b: Bonus) -> int:
    """How many generations of sponsors a recruitment bonus pays for one recruit."""
    return max((b.generations or b.from_generation) - b.from_generation + 1, 0)


def _depth_text(d: float) -> int | str:
    return "unlimited" if math.isinf(d) else int(d)


def paid_depth(m: PlanModel) -> float:
    """Deepest generation any term pays on (0 = own sales only; inf = whole downline)."""
    depth = max((d for _, d in downline_elements(m)), default=0.0)
    if m.recruitment.max_depth is not None:
        depth = min(depth, float(m.recruitment.max_depth - 1))
    return depth


def depth_text(d: float) -> int | str:
    return _depth_text(d)


def recruitment_elements(m: PlanModel) -> list[Element]:
    """RECRUIT_PAY: pay that is a function of recruits, or of what recruits pay to join."""
    out = []
    for i, b in enumerate(m.bonuses):
        if b.kind == "recruitment":
            out.append(Element(f"bonus.{b.id}", ("bonuses", i),
                               {"amount": b.amount, "rate": b.rate,
                                "generations": b.generations or 1}))
    entry_goods = entry_components(m)
    goods = sum(v for k, v in entry_goods.items() if k != "join.fee")
    for i, lv in enumerate(m.commissions):
        if lv.generation > 0 and lv.basis == "downline_purchases" and lv.rate > 0 and goods:
            out.append(Element(commission_name(m, i), ("commissions", i),
                               {"rate": lv.rate, "basis": lv.basis,
                                "paid_on_entry_purchases": goods}))
    return out


def gate_tier(m: PlanModel) -> tuple[int, int] | None:
    """(index, price) of the cheapest VIP tier without which one cannot earn or recruit."""
    gates = [(t.price, i) for i, t in enumerate(m.join.vip_tiers)
             if t.price > 0 and {"commission", "recruiting"} & set(t.unlocks)]
    if not gates:
        return None
    price, i = min(gates)
    return i, price


def entry_components(m: PlanModel) -> dict[str, int]:
    """ENTRY: what joining (or the right to earn) costs, by plan element (minor units)."""
    j = m.join
    out = {}
    if j.fee:
        out["join.fee"] = j.fee
    if j.starter_kit.mandatory and j.starter_kit.amount:
        out["join.starter_kit"] = j.starter_kit.amount
    if j.first_purchase.mandatory and j.first_purchase.amount:
        out["join.first_purchase"] = j.first_purchase.amount
    gate = gate_tier(m)
    if gate is not None:
        out[f"join.vip_tiers.{m.join.vip_tiers[gate[0]].name}"] = gate[1]
    return out


def entry_paths(m: PlanModel) -> dict[str, tuple[str | int, ...]]:
    gate = gate_tier(m)
    paths: dict[str, tuple[str | int, ...]] = {
        "join.fee": ("join", "fee"), "join.starter_kit": ("join", "starter_kit"),
        "join.first_purchase": ("join", "first_purchase"),
    }
    if gate is not None:
        paths[f"join.vip_tiers.{m.join.vip_tiers[gate[0]].name}"] = ("join", "vip_tiers", gate[0])
    return paths


def participant_purchases(m: PlanModel) -> list[str]:
    """Plan terms under which participants buy goods (and so may be left holding stock)."""
    out = []
    j = m.join
    if j.starter_kit.amount:
        out.append("join.starter_kit")
    if j.first_purchase.amount:
        out.append("join.first_purchase")
    out += [f"join.vip_tiers.{t.name}" for t in j.vip_tiers if t.price]
    if m.inventory.min_purchase is not None and m.inventory.min_purchase.amount:
        out.append("inventory.min_purchase")
    out += [f"rank.{r.name}" for r in m.ranks if r.qualify.personal_purchase]
    if any(lv.basis == "downline_purchases" and lv.rate > 0 for lv in m.commissions):
        out.append("commissions.downline_purchases")
    if m.product.agent_discount > 0:
        out.append("product.agent_discount")
    return out


def own_retail_rate(m: PlanModel) -> float:
    base = sum(lv.rate for lv in m.commissions if lv.generation == 0)
    rank = max((r.bonus_rate for r in m.ranks if r.basis == "own_retail"), default=0.0)
    own_bonus = sum(b.rate for b in m.bonuses
                    if b.basis == "own_retail" and b.kind != "recruitment")
    return base + rank + own_bonus


def max_payout_ratio(m: PlanModel, base: str) -> tuple[float, list[str]]:
    """Most the plan can pay out per unit of ``base``, and the terms that make it up.

    ``own_external_retail``: any pay not on the agent's own sales has no own-sales base, so
    the ratio is unbounded. Otherwise every rate adds up along a full upline; a fixed
    recruitment bonus is set against what a recruit pays to join.
    """
    if base == "own_external_retail":
        if downline_elements(m) or recruitment_elements(m) or any(
            b.kind == "pool" for b in m.bonuses
        ):
            return UNLIMITED, ["pay on others' activity has no own-sales base"]
        return own_retail_rate(m), ["own-sales rates"]
    parts = [f"commissions {sum(lv.rate for lv in m.commissions):.4g}"]
    ratio = sum(lv.rate for lv in m.commissions)
    rate_bonus = sum(b.rate for b in m.bonuses)
    rank = max((r.bonus_rate for r in m.ranks), default=0.0)
    ratio += rate_bonus + rank
    if rate_bonus or rank:
        parts.append(f"bonus and rank rates {rate_bonus + rank:.4g}")
    fixed = sum(b.amount * recruit_generations(b) for b in m.bonuses if b.kind == "recruitment")
    if fixed:
        entry = sum(entry_components(m).values())
        if entry == 0:
            return UNLIMITED, [*parts, "recruitment bonuses with no entry payment to set against"]
        ratio += fixed / entry
        parts.append(f"recruitment bonuses {fixed / entry:.4g} of entry payments")
    return ratio, parts


def plan_finding(plan: Plan, message: str, element: Element | None = None,
                 **evidence: Any) -> Finding:
    """A finding on the plan (subject ``plan``) or one of its terms (``plan-level``)."""
    if element is None:
        return Finding(Subject("plan", plan.name), message, {"plan": plan.name, **evidence})
    return Finding(Subject("plan-level", f"{plan.name}:{element.name}"), message,
                   {"plan": plan.name, **element.evidence(plan), **evidence})
