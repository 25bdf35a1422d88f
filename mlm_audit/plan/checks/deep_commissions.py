"""Plan counterpart of ``deep_commissions``: terms paying deeper than ``max_generations``.

One finding per plan term (commission level, recruitment or team bonus, rank bonus on team
volume) that pays on generations beyond ``max_generations`` below the earner. Pay on the
agent's own sales (generation 0, which is how a one-level CPS plan pays) is never beyond.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mlm_audit.model import Finding
from mlm_audit.plan.terms import depth_text, downline_elements, paid_depth, plan_finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan


def run_plan(plan: Plan, params: Any) -> Iterator[Finding]:
    limit = params.max_generations
    depth = paid_depth(plan.model)
    for el, d in downline_elements(plan.model):
        if d <= limit:
            continue
        yield plan_finding(
            plan,
            f"{el.name} of plan {plan.name} pays on generation {depth_text(d)} below the "
            f"earner; at most {limit} allowed",
            el, paid_depth=depth_text(depth), max_generations=limit,
        )
