"""Plan counterpart of ``organization_size_and_depth``: a plan built to meet the 30/3 test.

The plan cannot show headcounts, but it shows whether its organizations can meet the test:
participants pay to join (ENTRY > 0; or ``count_all``), participants recruit, the plan ties
``min_levels`` or more levels together by pay (see the ``excess_depth`` counterpart), and
nothing in the plan caps an organization below ``min_participants``. With
``requires_recruitment_pay`` the plan must also pay for recruiting (CN-AP-01).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mlm_audit.model import Finding
from mlm_audit.plan.checks.excess_depth import deepest_where, linked_levels
from mlm_audit.plan.terms import depth_text, entry_components, plan_finding, recruitment_elements

if TYPE_CHECKING:
    from mlm_audit.checks.organization_size_and_depth import Params
    from mlm_audit.plan.loader import Plan


def run_plan(plan: Plan, params: Params) -> Iterator[Finding]:
    m = plan.model
    levels = linked_levels(plan)
    entry = entry_components(m)
    recruit_pay = recruitment_elements(m)
    if m.recruitment.by == "company" or levels < params.min_levels:
        return
    if not (entry or params.count_all):
        return
    if getattr(params, "requires_recruitment_pay", False) and not recruit_pay:
        return
    yield plan_finding(
        plan,
        f"plan {plan.name} builds paying organizations of {depth_text(levels)} levels with no "
        f"cap on size: any organization of {params.min_participants} participants meets the "
        f"{params.min_participants}-person / {params.min_levels}-level test",
        levels=depth_text(levels), where=deepest_where(plan), min_levels=params.min_levels,
        min_participants=params.min_participants, size_cap=None,
        entry={k: v for k, v in entry.items()}, count_all=params.count_all,
        recruitment_pay=[e.name for e in recruit_pay],
    )
