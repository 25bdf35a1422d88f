"""Plan counterpart of ``recruitment_rewards``: the plan pays for recruiting.

RECRUIT_PAY in a plan: a bonus per recruit, or commission on what recruits pay to join
(starter kits, first purchases, VIP tiers). CN-AP-01 (b) flags a plan with any such term.
The share of pay it will fund depends on volumes the plan does not fix, so the check is
conservative: it fires when the plan has recruitment pay and no pay on retail sales (share
1.0), or when it has both (``share`` null: run ``plan simulate --out DIR`` and ``audit DIR``
for the figure). ``max_share: 0`` keeps the strict reading.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mlm_audit.model import Finding
from mlm_audit.plan.terms import plan_finding, recruitment_elements

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan


def run_plan(plan: Plan, params: Any) -> Iterator[Finding]:
    m = plan.model
    recruit = recruitment_elements(m)
    if not recruit:
        return
    sales = [lv for lv in m.commissions if lv.basis != "downline_purchases" and lv.rate > 0]
    share = None if sales else 1.0
    yield plan_finding(
        plan,
        f"plan {plan.name} pays for recruiting through {', '.join(e.name for e in recruit)}"
        + ("" if sales else "; it pays nothing on retail sales"),
        share=share, max_share=params.max_share,
        recruitment_terms=[e.evidence(plan) for e in recruit],
    )
