"""Plan checks: a plan counterpart for each data check type that has one, plus plan-only types.

A counterpart lives in ``mlm_audit/plan/checks/<check name>.py`` and defines
``run_plan(plan, params) -> Iterable[Finding]``; ``params`` is the rule's validated instance
of the data check's own ``Params`` model, so one rule pack drives both data and plan audits.

Plan-only check types cover terms that no data export shows (buy-back, cooling-off,
returns, rank rules). They are ordinary check modules in ``mlm_audit/checks/`` with
``NEEDS = ("plan",)`` (so a data audit skips them with a note) and a ``run_plan`` function.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from mlm_audit.model import Finding

PlanFn = Callable[[Any, Any], Iterable[Finding]]

# Data check types with a plan counterpart module of the same name.
COUNTERPARTS = (
    "deep_commissions", "entry_payments", "excess_depth", "inventory_loading",
    "non_retail_rewards", "organization_size_and_depth", "payout_cap", "recruitment_rewards",
)


def plan_registry() -> dict[str, PlanFn]:
    """Check name -> plan function, for every check that applies to a plan."""
    from mlm_audit.checks import REGISTRY

    out: dict[str, PlanFn] = {}
    for name, ct in REGISTRY.items():
        if "plan" in ct.needs:
            out[name] = importlib.import_module(f"mlm_audit.checks.{name}").run_plan
    for name in COUNTERPARTS:
        module = importlib.import_module(f"mlm_audit.plan.checks.{name}")
        out[name] = module.run_plan
    return dict(sorted(out.items()))
