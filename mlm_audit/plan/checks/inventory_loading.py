"""Plan counterpart of ``inventory_loading``: the plan requires purchases with no resale rule.

Minimum purchases per period and rank rules on personal purchase volume make participants
buy whether or not they sell. Unless the plan enforces a resale rule of at least
``min_resale_ratio`` (the Amway 70% rule) before paying bonuses, each such term is a
finding (US-AMW-70, US-GD-2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mlm_audit.model import Finding
from mlm_audit.plan.terms import Element, money_text, plan_finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan


def run_plan(plan: Plan, params: Any) -> Iterator[Finding]:
    m = plan.model
    rule = m.inventory.resale_rule
    if rule is not None and rule >= params.min_resale_ratio:
        return
    terms: list[tuple[Element, int, str]] = []
    mp = m.inventory.min_purchase
    if mp is not None and mp.amount:
        terms.append((Element("inventory.min_purchase", ("inventory", "min_purchase"), {}),
                      mp.amount, mp.period))
    for i, r in enumerate(m.ranks):
        if r.qualify.personal_purchase:
            terms.append((Element(f"rank.{r.name}", ("ranks", i, "qualify"), {"rank": r.name}),
                          r.qualify.personal_purchase, "month"))
    for el, amount, period in terms:
        yield plan_finding(
            plan, f"{el.name} of plan {plan.name} requires purchases of "
            f"{money_text(amount, m.currency)} per {period} with no resale rule "
            f"(resale ratio {params.min_resale_ratio:.0%} expected)",
            el, amount=amount, period=period, resale_rule=rule,
            min_resale_ratio=params.min_resale_ratio,
        )
