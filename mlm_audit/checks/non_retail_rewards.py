"""Rewards not based on verified sales to external customers above a set share.

A payout counts as retail-based when its source order is a retail sale to an external
customer (the buyer was not a participant at the order date). A payout with no known source
order counts as retail-based only when it is a ``retail_commission`` and
``count_unlinked_retail_commission`` is true (exports that settle commissions in bulk drop
the order link); everything else — recruitment bonuses, overrides and bonuses on
participants' own purchases, unlinked overrides — is non-retail. The FTC's 2016 order
against Herbalife requires at least two thirds of rewards to be based on tracked and
verified retail sales, i.e. at most one third on anything else.

``scope: downline`` restricts both shares to DOWNLINE_PAY (payouts whose source agent is
someone other than the recipient), the reading of *Webster v. Omnitrition* (pay on what the
downline ordered rather than on sales to ultimate users).

When the network share exceeds ``max_share``, one network finding is followed by agent
findings for the largest recipients whose own non-retail share also exceeds it (at most
``max_findings``).

Example::

    - id: US-HLF-1
      check: non_retail_rewards
      severity: medium
      params: {max_share: 0.3333}

Evidence: ``share``, ``max_share``, ``non_retail`` and ``total`` (minor units, with
``*_text``), ``non_retail_by_kind``, ``linked_share`` (payouts with a known source order),
``scope``; agent findings add ``agent_id``, ``root_id``, ``chain``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics.money import sum_by
from mlm_audit.metrics.periods import money, money_text
from mlm_audit.metrics.windows import RETAIL
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network
from mlm_audit.scan.facts import OTHER_KIND
from mlm_audit.schema import PAYOUT_KINDS

VERSION = 1
NEEDS: tuple[str, ...] = ("payouts",)


class Params(CheckParams):
    max_share: float = Field(
        0.3333, ge=0.0, le=1.0,
        description="Largest allowed share of rewards not based on external retail sales "
                    "(Herbalife order: one third); exceeding it fires.",
    )
    scope: Literal["all", "downline"] = Field(
        "all", description="'downline': only payouts sourced from another agent's activity.",
    )
    count_unlinked_retail_commission: bool = Field(
        True,
        description="Treat retail_commission payouts with no source order as retail-based.",
    )
    max_findings: int = Field(100, ge=0, le=100_000, description="Agent findings at most.")


def classify(net: Network, params: Params) -> dict[str, npt.NDArray[Any]]:
    """Per group of payouts in scope: ``recipient_idx``, ``kind`` (code), ``amount``, ``n``,
    ``linked`` (its source order is known) and ``non_retail``, from the fact columns."""
    p = net.pays
    kind, src = p["kind"].to_numpy(), p["src_kind"].to_numpy()
    linked = src >= 0
    retail = (p["src_ext"].to_numpy() == 1) & (src == RETAIL)  # external retail source
    if params.count_unlinked_retail_commission:
        retail |= ~linked & (kind == PAYOUT_KINDS.index("retail_commission"))
    cols = {"recipient_idx": p["idx"].to_numpy(), "kind": kind, "amount": p["amount"].to_numpy(),
            "n": p["n"].to_numpy(), "linked": linked, "non_retail": ~retail}
    if params.scope == "downline":
        keep = p["dsrc"].to_numpy()
        cols = {c: v[keep] for c, v in cols.items()}
    return cols


def _by_kind(kind: npt.NDArray[np.int8], amount: npt.NDArray[np.int64]) -> dict[str, int]:
    """Amounts per kind name (``None``: no kind), in the order of the names, no kind first."""
    code = kind.astype(np.int64)
    sums, rows = sum_by(code, amount, 8), np.bincount(code, minlength=8)
    names = {i: k for i, k in enumerate(PAYOUT_KINDS)} | {OTHER_KIND: "(unknown)"}
    present = [(names.get(c), int(sums[c])) for c in np.flatnonzero(rows).tolist()]
    present.sort(key=lambda kv: (kv[0] is not None, kv[0] or ""))
    return {str(k): v for k, v in present}


def run(net: Network, params: Params) -> Iterator[Finding]:
    p = classify(net, params)
    amount, nr = p["amount"], p["non_retail"]
    total, non_retail = int(amount.sum()), int(amount[nr].sum())
    if total <= 0:
        return
    n_all = int(p["n"].sum())
    linked_share = int(p["n"][p["linked"]].sum()) / n_all if n_all else 0.0
    share = non_retail / total
    if share <= params.max_share:
        return
    yield Finding(
        subject=NETWORK,
        message=(f"{share:.1%} of {'downline ' if params.scope == 'downline' else ''}rewards are "
                 f"not based on sales to external customers (at most {params.max_share:.1%})"),
        evidence={
            "share": round(share, 4), "max_share": params.max_share,
            **money("non_retail", non_retail, "_text"),
            **money("total", total, "_text"),
            "non_retail_by_kind": _by_kind(p["kind"][nr], amount[nr]),
            "linked_share": round(float(linked_share), 4), "scope": params.scope,
        },
    )
    rec = p["recipient_idx"].astype(np.int64)
    per_total = sum_by(rec, amount, net.n)  # exact sums over dense ids, no hash group-by
    per_nr = sum_by(np.where(nr, rec, -1), amount, net.n)
    over = np.flatnonzero((per_total > 0) & (per_nr > params.max_share * per_total))
    over = over[np.lexsort((over, -per_nr[over]))][:params.max_findings]
    for idx, a_total, a_nr in zip(over.tolist(), per_total[over].tolist(),
                                  per_nr[over].tolist(), strict=True):
        a_share = a_nr / a_total
        yield Finding(
            subject=Subject("agent", net.id_of(idx)),
            message=(f"agent {net.id_of(idx)} received {money_text(a_nr)} of rewards "
                     f"not based on external retail ({a_share:.1%} of its rewards)"),
            evidence=agent_evidence(
                net, idx, share=round(a_share, 4), max_share=params.max_share,
                **money("non_retail", a_nr, "_text"),
                **money("total", a_total, "_text"), scope=params.scope,
            ),
        )
