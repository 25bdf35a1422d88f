"""Plan counterpart of ``excess_depth``: the plan links more levels by pay than allowed.

A plan cannot show how deep its tree will grow, but it shows how many levels it ties
together with money: the earner plus every generation it pays on (``paid_depth``), capped by
``recruitment.max_depth`` and 1 when only the company recruits. That is the organization the
plan builds; ``max_levels`` counts levels with the earner as level 1, like the data check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mlm_audit.model import Finding
from mlm_audit.plan.terms import depth_text, downline_elements, paid_depth, plan_finding

if TYPE_CHECKING:
    from mlm_audit.checks.excess_depth import Params
    from mlm_audit.plan.loader import Plan


def linked_levels(plan: Plan) -> float:
    m = plan.model
    if m.recruitment.by == "company":
        return 1.0
    return 1.0 + paid_depth(m)


def run_plan(plan: Plan, params: Params) -> Iterator[Finding]:
    levels = linked_levels(plan)
    if levels <= params.max_levels:
        return
    beyond = [el.evidence(plan) for el, d in downline_elements(plan.model)
              if d + 1 > params.max_levels]
    where = max(beyond, key=lambda e: _depth_key(e.get("generations", e.get("generation"))),
                default={}).get("where", plan.where("recruitment"))
    yield plan_finding(
        plan,
        f"plan {plan.name} pays across {depth_text(levels - 1)} generations: it ties "
        f"{depth_text(levels)} levels together, {params.max_levels} allowed",
        levels=depth_text(levels), max_levels=params.max_levels, where=where,
        terms_beyond=beyond,
    )


def _depth_key(d: object) -> float:
    return float("inf") if d == "unlimited" else float(d) if isinstance(d, (int, float)) else 0.0


def deepest_where(plan: Plan) -> str:
    """``file:line`` of the term that pays deepest (the plan's recruitment terms if none)."""
    terms = downline_elements(plan.model)
    if not terms:
        return plan.where("recruitment")
    el, _ = max(terms, key=lambda x: x[1])
    return plan.where(*el.path)
