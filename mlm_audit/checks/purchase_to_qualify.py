"""Pay or rank that requires the participant's own purchases (purchase-to-qualify).

*Webster v. Omnitrition* (9th Cir. 1996): override eligibility bought with $2,000 of
purchases a month is pay unrelated to sales to ultimate users; *FTC v. Vemma* order §II(B)
bars linking compensation to a participant's own purchases (US-OMN-2, US-VEM-2); Korea's
방문판매법 Art. 22(1) bars burdens of ₩50,000 a year or more to keep status or a better
allowance. Flags rank rules with a personal-purchase requirement, mandatory minimum
purchases, and VIP tiers bought to unlock commission. A plan-only check.

Example::

    - id: PG-PURCHASE-TO-QUALIFY
      check: purchase_to_qualify
      severity: medium
      params: {min_amount: 1}

Evidence per term: ``element``, ``amount`` (minor units) and ``amount_text``, ``period``,
``where``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field

from mlm_audit.checks.base import CheckParams, no_data_run
from mlm_audit.model import Finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan

VERSION = 1
NEEDS: tuple[str, ...] = ("plan",)


class Params(CheckParams):
    min_amount: int = Field(
        1, ge=1, le=10**12,
        description="Smallest required purchase flagged (minor units, per the term's period).")


run = no_data_run


def run_plan(plan: Plan, params: Params) -> Iterator[Finding]:
    from mlm_audit.plan.terms import Element, gate_tier, money_text, plan_finding

    m = plan.model
    terms: list[tuple[Element, int, str]] = []
    for i, r in enumerate(m.ranks):
        if r.qualify.personal_purchase:
            terms.append((Element(f"rank.{r.name}", ("ranks", i, "qualify", "personal_purchase"),
                                  {"rank": r.name}), r.qualify.personal_purchase, "month"))
    mp = m.inventory.min_purchase
    if mp is not None and mp.amount:
        terms.append((Element("inventory.min_purchase", ("inventory", "min_purchase"), {}),
                      mp.amount, mp.period))
    gate = gate_tier(m)
    if gate is not None:
        tier = m.join.vip_tiers[gate[0]]
        terms.append((Element(f"join.vip_tiers.{tier.name}", ("join", "vip_tiers", gate[0]),
                              {"unlocks": list(tier.unlocks)}), gate[1], "once"))
    for el, amount, period in terms:
        if amount < params.min_amount:
            continue
        text = money_text(amount, m.currency)
        yield plan_finding(plan, f"{el.name} of plan {plan.name} requires own purchases of "
                           f"{text} ({period}) to earn or keep status", el, amount=amount,
                           amount_text=text, period=period, min_amount=params.min_amount)
