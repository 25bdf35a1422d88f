"""Plan that buys back no unsold inventory, or less of it than a code or law requires.

Participants who buy goods (starter kits, first or minimum purchases, stock) carry the risk
of inventory they cannot sell. Codes and statutes require the company to repurchase it on
exit: the DSA Code of Ethics ≥ 90% of cost for goods bought in the past 12 months; the UK
Trading Schemes Regulations 1997 reg 6 (goods bought within 90 days); Taiwan Art. 21 (90%).
A plan-only check: data exports do not show buy-back terms, so a data audit skips it.

Example::

    - id: PG-BUYBACK
      check: missing_buyback
      severity: medium
      params: {min_rate: 0.9, min_window_days: 365}

Evidence: ``buyback`` (rate and window, or null), the thresholds, ``purchases`` (the plan
terms that make participants buy), ``where`` (file:line of the inventory terms).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from mlm_audit.checks.base import CheckParams, no_data_run
from mlm_audit.model import Finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan

VERSION = 1
NEEDS: tuple[str, ...] = ("plan",)


class Params(CheckParams):
    min_rate: float = Field(0.9, ge=0.0, le=1.0,
                            description="Share of the price the buy-back must refund.")
    min_window_days: int = Field(365, ge=0, le=3650,
                                 description="Goods bought this recently must qualify.")
    require_when: Literal["purchases", "always"] = Field(
        "purchases",
        description="'purchases': only plans that make participants buy goods are checked.")


run = no_data_run


def run_plan(plan: Plan, params: Params) -> Iterator[Finding]:
    from mlm_audit.plan.terms import participant_purchases, plan_finding

    m = plan.model
    purchases = participant_purchases(m)
    if params.require_when == "purchases" and not purchases:
        return
    bb = m.inventory.buyback
    figures: dict[str, Any] = {
        "buyback": None if bb is None else {"rate": bb.rate, "window_days": bb.window_days},
        "min_rate": params.min_rate, "min_window_days": params.min_window_days,
        "purchases": purchases, "where": plan.where("inventory", "buyback"),
    }
    if bb is None:
        yield plan_finding(plan, f"plan {plan.name} makes participants buy goods "
                           f"({', '.join(purchases) or 'none'}) but offers no buy-back of "
                           f"unsold inventory", **figures)
    elif bb.rate < params.min_rate or bb.window_days < params.min_window_days:
        yield plan_finding(plan, f"plan {plan.name} buys back unsold inventory at "
                           f"{bb.rate:.0%} within {bb.window_days} days; at least "
                           f"{params.min_rate:.0%} within {params.min_window_days} days required",
                           **figures)
