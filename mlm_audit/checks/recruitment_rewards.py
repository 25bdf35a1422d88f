"""Share of payouts funded by recruitment above ``max_share`` (headcount pay).

A payout is recruitment-funded (RECRUIT_PAY, regulations.md §0) when it is a
``recruitment_bonus``, when its source order is a ``starter_kit`` or a ``fee``, or when its
source order is a purchase the source agent made within ``entry_window_days`` of joining (a
recruit's first purchases; 0 turns this off; the recipient's own purchases never count).
The share is Σ recruitment-funded ÷ Σ all payouts, network-wide and per organization (the
root of the recipient), and a finding is yielded where it exceeds ``max_share``.

Why it matters: pay computed on the number of people recruited, or on their entry fees and
kits, is 拉人头 under 禁止传销条例 Art. 7(1) (CN-AP-01, where any such pay is flagged:
``max_share: 0``) and the disguised headcount pay of 公通字〔2013〕37号 §5 (CN-CR-04,
> 0.5). Under Koscot and BurnLounge the question is whether rewards are primarily for
recruitment rather than for sales to ultimate users (US-KOS-2 / US-BL-1, > 0.5), and the
UCPD Annex I point 14 blacklists schemes whose compensation derives primarily from the
introduction of other consumers (EU-UCPD-14b; C-667/15: an indirect link suffices). The
0.5 reading of "primarily" and the 30-day window are engineering defaults, not law.

Example::

    - id: US-BL-1
      check: recruitment_rewards
      severity: high
      params: {max_share: 0.5, entry_window_days: 30, scope: both}

Evidence: ``share``, ``max_share``, ``recruit_funded`` and ``total`` (with ``_display``),
``by_source`` (``recruitment_bonus``, ``starter_kit``, ``fee``, ``entry_window`` amounts),
``entry_window_days``, ``top_recipients`` (largest recruitment-funded earners: id, amount);
organization findings add ``root_id``, ``agents`` and ``chain``; the network finding adds
``organizations_over`` and ``not_itemized``.

References: 禁止传销条例 Art. 2, Art. 7(1); 公通字〔2013〕37号 §5; In re Koscot (1975); FTC v.
BurnLounge, 753 F.3d 878 (9th Cir. 2014); Directive 2005/29/EC Annex I point 14, C-515/12,
C-667/15; 多層次傳銷管理法 Art. 18.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics.attribution import shared
from mlm_audit.metrics.money import sum_by
from mlm_audit.metrics.periods import money, money_text
from mlm_audit.metrics.sources import FUNDING, funding_codes
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network

VERSION = 1
WEIGHT = 2  # scheduling hint (CheckType.weight): reasons for every payout group
NEEDS: tuple[str, ...] = ("payouts",)
TOP = 10


class Params(CheckParams):
    max_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Highest recruitment-funded share of payouts allowed (fires when above). "
                    "0.5 reads 'primarily'; engineering default.",
    )
    entry_window_days: int = Field(
        30, ge=0, le=3_650,
        description="Pay sourced from a recruit's purchases within this many days of joining "
                    "counts as recruitment-funded (0 = off). Engineering default.",
    )
    scope: Literal["network", "organization", "both"] = Field(
        "both", description="Measure network-wide, per organization (root), or both.",
    )
    min_total: int = Field(
        0, ge=0, le=10**15,
        description="Organizations with less total payouts (minor units) are skipped.",
    )
    max_findings: int = Field(
        100, ge=0, le=100_000,
        description="Organizations itemized; the rest are counted in the network finding.",
    )


def _figures(by_source: npt.NDArray[np.int64], top: list[tuple[int, int]]) -> dict[str, Any]:
    """Figures of a set of payouts from its sums per funding code (0: not funded)."""
    funded, total = int(by_source[1:].sum()), int(by_source.sum())
    return {
        "share": round(funded / total, 4) if total > 0 else 0.0,
        **money("recruit_funded", funded),
        **money("total", total),
        "by_source": {s: int(v) for s, v in zip(FUNDING, by_source[1:], strict=True)},
        "_top": top,
        "_exact": (funded, total),
    }


def _over(funded: int, total: int, max_share: float) -> bool:
    return total > 0 and funded > max_share * total


def _top(ids: npt.NDArray[np.int64], amount: npt.NDArray[np.int64],
         group: npt.NDArray[np.int64], groups: int) -> list[list[tuple[int, int]]]:
    """Per group: its ``TOP`` largest ``amount`` (ties by id) as (id, amount) pairs."""
    order = np.lexsort((ids, -amount, group))
    g = group[order]
    first = np.searchsorted(g, np.arange(groups))
    rank = np.arange(g.size) - first[g]
    keep = order[rank < TOP]
    out: list[list[tuple[int, int]]] = [[] for _ in range(groups)]
    for k, i, a in zip(group[keep].tolist(), ids[keep].tolist(), amount[keep].tolist(),
                       strict=True):
        out[k].append((i, a))
    return out


def _funding(net: Network, days: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                               npt.NDArray[np.int64], npt.NDArray[Any] | None]:
    """Per payout group: funding code and root of the recipient; per recipient:
    RECRUIT_PAY (exact); the recipients with any (``None``: no RECRUIT_PAY at all). The
    same for every rule with the same entry window."""
    code = funding_codes(net, days).astype(np.int64)
    rec = net.pays["idx"].to_numpy()
    known = rec >= 0
    root = np.where(known, net.root[np.where(known, rec, 0)], -1).astype(np.int64)
    if not code.any():
        return code, root, np.zeros(0, np.int64), None
    per = sum_by(np.where(known & (code > 0), rec, -1).astype(np.int64),
                 net.pays["amount"].to_numpy(), net.n)
    return code, root, per, np.flatnonzero(per)


def run(net: Network, params: Params) -> Iterator[Finding]:
    if net.pays.height == 0:
        return
    code, root, per, ids = shared(net, ("recruit_funding", params.entry_window_days),
                                  lambda: _funding(net, params.entry_window_days),
                                  net.pays.height)
    if ids is None:
        return
    amount = net.pays["amount"].to_numpy()

    orgs: list[tuple[int, dict[str, Any]]] = []
    if params.scope != "network":
        f = sum_by(np.where(code > 0, root, -1), amount, net.n)
        t = sum_by(root, amount, net.n)
        over = np.flatnonzero((t >= max(params.min_total, 1)) & (f > params.max_share * t))
        over = over[np.lexsort((over, -f[over]))]
        roots = over[:params.max_findings]
        rank = np.full(net.n + 1, -1, np.int64)  # slot n: no root
        rank[roots] = np.arange(roots.size)
        at = rank[np.where(root >= 0, root, net.n)]
        k = roots.size
        sums = sum_by(np.where(at >= 0, at * 5 + code, -1), amount, k * 5).reshape(k, 5)
        of = rank[np.where(net.root[ids] >= 0, net.root[ids], net.n)]
        tops = _top(ids[of >= 0], per[ids][of >= 0], of[of >= 0], k)
        orgs = [(int(r), _figures(sums[j], tops[j])) for j, r in enumerate(roots.tolist())]
        n_over = int(over.size)
    else:
        n_over = 0

    whole = _figures(sum_by(code, amount, 5), _top(ids, per[ids], np.zeros(ids.size, np.int64),
                                                   1)[0])
    funded, total = whole["_exact"]
    if params.scope != "organization" and _over(funded, total, params.max_share):
        yield Finding(
            subject=NETWORK,
            message=(
                f"{whole['share']:.1%} of payouts ({money_text(whole['recruit_funded'])} of "
                f"{money_text(whole['total'])}) are funded by recruitment; "
                f"at most {params.max_share:.0%} allowed"
            ),
            evidence=_evidence(net, whole, params)
            | {"organizations_over": n_over, "not_itemized": max(n_over - len(orgs), 0)},
        )
    for r, fig in orgs:
        yield Finding(
            subject=Subject("organization", net.id_of(r)),
            message=(
                f"in the organization of {net.id_of(r)}, {fig['share']:.1%} of payouts "
                f"({money_text(fig['recruit_funded'])}) are funded by recruitment; at most "
                f"{params.max_share:.0%} allowed"
            ),
            evidence=_evidence(net, fig, params) | {
                "root_id": net.id_of(r),
                "agents": int(net.downline_size[r]),
                "chain": net.chain(r),
            },
        )


def _evidence(net: Network, fig: dict[str, Any], params: Params) -> dict[str, Any]:
    top = fig["_top"]
    out = {k: v for k, v in fig.items() if not k.startswith("_")}
    out["max_share"] = params.max_share
    out["entry_window_days"] = params.entry_window_days
    out["top_recipients"] = [{"agent_id": net.id_of(i), **money("amount", a)} for i, a in top]
    return out
