"""Plan counterpart of ``entry_payments``: joining, or the right to earn, costs money.

Entry fee, mandatory starter kit, mandatory first purchase (a disguised fee when sign-up is
"free"), and a VIP tier bought to unlock commission or recruiting. Every participant pays
them, so the paying share is 1.0; a finding per term of at least ``min_amount`` when 1.0
exceeds ``max_share_paying`` (禁止传销条例 Art. 7(2); 直销管理条例 Art. 14; VN-2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mlm_audit.model import Finding
from mlm_audit.plan.terms import Element, entry_components, entry_paths, money_text, plan_finding

if TYPE_CHECKING:
    from mlm_audit.plan.loader import Plan


def run_plan(plan: Plan, params: Any) -> Iterator[Finding]:
    m = plan.model
    entry = entry_components(m)
    if params.max_share_paying >= 1.0:
        return
    paths = entry_paths(m)
    disguised = m.join.fee == 0
    total = sum(entry.values())
    for name, amount in entry.items():
        if amount < params.min_amount:
            continue
        text = money_text(amount, m.currency)
        kind = "fee" if name == "join.fee" else "purchase required to join or to earn"
        yield plan_finding(
            plan, f"{name} of plan {plan.name}: every participant pays {text} ({kind})"
            + (" — a disguised entry fee behind a free sign-up" if disguised and
               name != "join.fee" else ""),
            Element(name, paths[name], {}), amount=amount, amount_text=text,
            entry_total=total, share_paying=1.0, max_share_paying=params.max_share_paying,
            disguised=disguised and name != "join.fee",
        )
