"""Plan counterpart of ``payout_cap``: the most the plan can pay exceeds the cap.

The plan's maximum payout ratio against ``base`` (see ``terms.max_payout_ratio``): against
own external retail, only pay on the agent's own sales has a base (直销管理条例 Art. 24:
anything else is unbounded); against company revenue or goods supplied to salespeople,
every rate along a full upline adds up, and fixed recruitment bonuses are set against what
a recruit pays to join. ``vat_rate`` puts the base ex-VAT (ratio × (1 + vat)).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mlm_audit.model import Finding
from mlm_audit.plan.terms import max_payout_ratio, plan_finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan


def run_plan(plan: Plan, params: Any) -> Iterator[Finding]:
    ratio, parts = max_payout_ratio(plan.model, params.base)
    ratio *= 1.0 + getattr(params, "vat_rate", 0.0)
    if ratio <= params.max_ratio + 1e-12:
        return
    shown = "unbounded" if math.isinf(ratio) else f"{ratio:.1%}"
    yield plan_finding(
        plan,
        f"plan {plan.name} can pay {shown} of {params.base.replace('_', ' ')}; "
        f"cap {params.max_ratio:.0%}",
        max_ratio_plan=None if math.isinf(ratio) else round(ratio, 6),
        max_ratio=params.max_ratio, base=params.base, made_of=parts,
    )
