"""Rank (and the pay it unlocks) qualified by a number of people recruited.

Paying according to the number of people recruited, directly or indirectly, is 拉人头, the
first form of 传销 in 禁止传销条例 Art. 7(1) and the CN-AP-01 plan test ("any bonus whose
formula is a function of the number of new recruits"). A rank that requires direct recruits
or a team headcount and pays a bonus makes pay a function of headcount. A plan-only check.

Example::

    - id: PG-RANK-HEADCOUNT
      check: rank_by_headcount
      severity: high
      params: {max_headcount: 0}

Evidence per rank: ``rank``, ``recruits`` and ``team_size`` required, ``bonus_rate``,
``unlocks`` (bonuses restricted to the rank), ``where``.
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
    max_headcount: int = Field(
        0, ge=0, le=10**6,
        description="Headcount a rank may require before it is flagged (0: any headcount).")
    require_pay: bool = Field(
        True, description="Only ranks that pay (a bonus rate or a bonus restricted to them).")


run = no_data_run


def run_plan(plan: Plan, params: Params) -> Iterator[Finding]:
    from mlm_audit.plan.terms import Element, plan_finding

    m = plan.model
    names = [r.name for r in m.ranks]
    for i, r in enumerate(m.ranks):
        q = r.qualify
        if max(q.recruits, q.team_size) <= params.max_headcount:
            continue
        # A bonus restricted to a rank is earned by every rank above it as well.
        unlocks = [b.id for b in m.bonuses if b.rank is not None and names.index(b.rank) <= i]
        if params.require_pay and r.bonus_rate == 0 and not unlocks:
            continue
        el = Element(f"rank.{r.name}", ("ranks", i, "qualify"),
                     {"rank": r.name, "recruits": q.recruits, "team_size": q.team_size,
                      "bonus_rate": r.bonus_rate, "unlocks": unlocks})
        need = " and ".join(x for x in (
            f"{q.recruits} direct recruits" if q.recruits else "",
            f"a team of {q.team_size}" if q.team_size else "") if x)
        yield plan_finding(plan, f"rank {r.name} of plan {plan.name} requires {need}; its pay "
                           f"depends on the number of people recruited", el,
                           max_headcount=params.max_headcount)
