"""Plan whose return terms for goods fall short of a statutory returns right.

直销管理条例 Art. 25: a consumer or a 直销员 may return unopened goods within 30 days of
purchase and the company must refund within 7 days of the request. A plan-only check.

Example::

    - id: PG-RETURNS
      check: missing_returns
      severity: medium
      params: {min_days: 30, max_refund_days: 7}

Evidence: ``returns`` (days and refund delay, or null), the thresholds, ``where``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import Field

from mlm_audit.checks.base import CheckParams, no_data_run
from mlm_audit.model import Finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan

VERSION = 1
NEEDS: tuple[str, ...] = ("plan",)


class Params(CheckParams):
    min_days: int = Field(30, ge=0, le=3650, description="Return window required (days).")
    max_refund_days: int = Field(7, ge=0, le=365,
                                 description="Refund due at most this many days after request.")


run = no_data_run


def run_plan(plan: Plan, params: Params) -> Iterator[Finding]:
    from mlm_audit.plan.terms import plan_finding

    r = plan.model.returns
    figures: dict[str, Any] = {
        "returns": None if r is None else {"days": r.days,
                                           "refund_within_days": r.refund_within_days},
        "min_days": params.min_days, "max_refund_days": params.max_refund_days,
        "where": plan.where("returns"),
    }
    if r is None:
        yield plan_finding(plan, f"plan {plan.name} states no returns terms "
                           f"({params.min_days}-day returns required)", **figures)
    elif r.days < params.min_days or r.refund_within_days > params.max_refund_days:
        yield plan_finding(plan, f"plan {plan.name} accepts returns for {r.days} days and "
                           f"refunds within {r.refund_within_days} days; {params.min_days} and "
                           f"{params.max_refund_days} required", **figures)
