"""Plan without a cooling-off right to cancel participation with a full refund.

Statutes give a participant who paid to join a period to cancel and get the money back:
UK Trading Schemes Regulations 1997 reg 5(e) 14 days; Japan 特定商取引法 Art. 40 20 days;
Taiwan 多層次傳銷管理法 Art. 20 30 days; Malaysia 10 working days. A plan-only check.

Example::

    - id: PG-COOLING-OFF
      check: missing_cooling_off
      severity: medium
      params: {min_days: 14, min_refund: 1.0}

Evidence: ``cooling_off`` (days and refund share, or null), the thresholds, ``entry`` (what
joining costs, by plan term), ``where``.
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
    min_days: int = Field(14, ge=0, le=3650, description="Cancellation period required (days).")
    min_refund: float = Field(1.0, ge=0.0, le=1.0,
                              description="Share of what was paid that must be refunded.")
    require_when: Literal["payments", "always"] = Field(
        "payments",
        description="'payments': only plans where participants pay to join or buy goods.")


run = no_data_run


def run_plan(plan: Plan, params: Params) -> Iterator[Finding]:
    from mlm_audit.plan.terms import entry_components, participant_purchases, plan_finding

    m = plan.model
    entry = entry_components(m)
    if params.require_when == "payments" and not entry and not participant_purchases(m):
        return
    co = m.cooling_off
    figures: dict[str, Any] = {
        "cooling_off": None if co is None else {"days": co.days, "refund": co.refund},
        "min_days": params.min_days, "min_refund": params.min_refund, "entry": entry,
        "where": plan.where("cooling_off"),
    }
    if co is None:
        yield plan_finding(plan, f"plan {plan.name} gives no cooling-off period to cancel "
                           f"participation ({params.min_days} days required)", **figures)
    elif co.days < params.min_days or co.refund < params.min_refund:
        yield plan_finding(plan, f"plan {plan.name} cooling-off is {co.days} days with "
                           f"{co.refund:.0%} refunded; {params.min_days} days and "
                           f"{params.min_refund:.0%} required", **figures)
