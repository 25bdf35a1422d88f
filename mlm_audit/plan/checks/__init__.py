"""Plan checks: a plan counterpart for each data check type that has one, plus plan-only types.

A counterpart lives in ``mlm_audit/plan/checks/<check name>.py`` and defines
``run_plan(plan, params) -> Iterable[Finding]``; ``params`` is the rule's validated instance
of the data check's own ``Params`` model, so one rule pack drives both data and plan audits.

Plan-only check types (``plan_only.PLAN_ONLY``) cover terms that no data export shows
(buy-back, cooling-off, returns, rank rules). They are full check types, registered in
``mlm_audit.checks.REGISTRY`` with ``NEEDS = ("plan",)`` so a data audit skips them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

# The check registry imports the plan-only types from this package; importing it first
# makes every import order resolve (see plan_only.py).
import mlm_audit.checks  # noqa: F401
from mlm_audit.model import Finding

PlanFn = Callable[[Any, Any], Iterable[Finding]]

# Data check types with a plan counterpart module of the same name.
COUNTERPARTS = (
    "deep_commissions", "entry_payments", "excess_depth", "inventory_loading",
    "non_retail_rewards", "organization_size_and_depth", "payout_cap", "recruitment_rewards",
)


def plan_registry() -> dict[str, PlanFn]:
    """Check name -> plan function, for every check that applies to a plan."""
    from mlm_audit.plan.checks.plan_only import PLAN_ONLY

    out: dict[str, PlanFn] = {m.__name__.rsplit(".", 1)[-1]: m.run_plan for m in PLAN_ONLY}
    for name in COUNTERPARTS:
        module = importlib.import_module(f"mlm_audit.plan.checks.{name}")
        out[name] = module.run_plan
    return dict(sorted(out.items()))
