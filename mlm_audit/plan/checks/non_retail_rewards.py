"""Plan counterpart of ``non_retail_rewards``: most of what the plan pays is not on retail.

Rate-weighted share of the plan's rewards not based on sales to external customers: pay on
own retail and on downline retail sales is retail; pay on participants' purchases, team
volume (which includes purchases), pools on company revenue and recruitment bonuses are
not. A plan with fixed recruitment bonuses and no retail pay has share 1.0. Fires above
``max_share`` (Herbalife order: at most one third).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mlm_audit.model import Finding
from mlm_audit.plan.terms import plan_finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan


def run_plan(plan: Plan, params: Any) -> Iterator[Finding]:
    m = plan.model
    downline_only = getattr(params, "scope", "all") == "downline"
    retail = nonretail = 0.0
    terms: list[str] = []
    for lv in m.commissions:
        if downline_only and lv.generation == 0:
            continue
        if lv.basis == "downline_purchases":
            nonretail += lv.rate
            terms.append(f"commission.level{lv.generation}")
        else:
            retail += lv.rate
    fixed = False
    for b in m.bonuses:
        if b.basis == "own_retail" and b.kind != "recruitment":
            retail += 0.0 if downline_only else b.rate
            continue
        nonretail += b.rate
        fixed = fixed or (b.kind == "recruitment" and b.amount > 0)
        terms.append(f"bonus.{b.id}")
    for r in m.ranks:
        if r.basis == "team_volume" and r.bonus_rate:
            nonretail += r.bonus_rate
            terms.append(f"rank.{r.name}")
        elif not downline_only:
            retail += r.bonus_rate
    total = retail + nonretail
    if total == 0 and not fixed:
        return
    share = 1.0 if retail == 0 else nonretail / total
    if share <= params.max_share:
        return
    yield plan_finding(
        plan, f"{share:.0%} of plan {plan.name}'s reward rates are not based on retail sales; "
        f"at most {params.max_share:.0%} allowed",
        share=round(share, 4), max_share=params.max_share, non_retail_terms=terms,
        fixed_recruitment_bonus=fixed,
    )
