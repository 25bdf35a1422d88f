"""Organization reaching the criminal size-and-depth test: ≥ N participants over ≥ L levels.

For every candidate organizer u, counts participants P(u) in its downline T(u) and levels
L(u), u itself counted as a person and as level 1 (公通字〔2013〕37号: "以上" is inclusive, and
counts include the organizer and the organizer's own level). By default a participant is a
person who paid or bought to join (ENTRY > 0: fees, starter kits, fee orders), the
statutory element of 刑法 Art. 224-1; ``count_all: true`` counts every agent instead. The
organizer always counts. ``requires_recruitment_pay: true`` adds the headcount-pay element
(CN-CR-01: "and CN-AP-01 holds"): only organizations in which someone received RECRUIT_PAY
(a recruitment bonus, or a payout sourced from a starter kit or fee order) qualify; with no
payouts in the data, no organization qualifies then.

Findings name the topmost qualifying organizers (``report: topmost``, the default) — every
sponsor above a qualifying organizer qualifies too, and is folded into the evidence as
``nested_qualifying`` — or every qualifying agent (``report: all``).

Example::

    - id: CN-CR-01
      check: organization_size_and_depth
      severity: critical
      params: {min_participants: 30, min_levels: 3}

Evidence: ``participants``, ``persons`` (all agents in T(u)), ``levels``, the thresholds,
``count_all``, ``paying_share``, ``recruit_pay`` (RECRUIT_PAY received in T(u), when
required), ``per_level`` (persons per level of the organization, u = 1),
``nested_qualifying`` and ``chain`` (root to u).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics import windows
from mlm_audit.model import Finding, Subject
from mlm_audit.network import Network

VERSION = 1
WEIGHT = 2  # scheduling hint (CheckType.weight): a pass over every agent
NEEDS: tuple[str, ...] = ()
DETAIL_LIMIT = 200  # per-level breakdowns computed for at most this many findings


class Params(CheckParams):
    min_participants: int = Field(
        30, ge=1, le=10**9,
        description="Participants needed, organizer included (≥, inclusive).",
    )
    min_levels: int = Field(
        3, ge=1, le=10_000,
        description="Levels needed, organizer's own level counted as 1 (≥, inclusive).",
    )
    count_all: bool = Field(
        False,
        description="Count every agent as a participant, not only those who paid to join.",
    )
    requires_recruitment_pay: bool = Field(
        False,
        description="Qualify only organizations where RECRUIT_PAY was received within T(u).",
    )
    report: Literal["topmost", "all"] = Field(
        "topmost",
        description="'topmost': only qualifying organizers with no qualifying sponsor above.",
    )


def run(net: Network, params: Params) -> Iterator[Finding]:
    metrics = net.agent_money
    paying = metrics["entry"].to_numpy() > 0
    counted = net.rooted & (paying | params.count_all)
    # the organizer always counts: P(u) = |{x in T(u), x != u, counted}| + 1
    below = net.subtree_sum(counted.astype(np.int64)) - counted.astype(np.int64)
    participants = below + net.rooted.astype(np.int64)
    qualifies = (
        net.rooted
        & (participants >= params.min_participants)
        & (net.org_levels >= params.min_levels)
    )
    recruit_pay = None
    if params.requires_recruitment_pay:
        recruit_pay = net.subtree_sum(np.where(net.rooted, windows.recruit_pay_by_agent(net), 0))
        qualifies &= recruit_pay > 0
    if not qualifies.any():
        return
    parent_q = np.zeros(net.n, dtype=bool)
    has_parent = net.parent >= 0
    parent_q[has_parent] = qualifies[net.parent[has_parent]]
    nested = net.subtree_sum(qualifies.astype(np.int64)) - qualifies
    chosen = qualifies if params.report == "all" else qualifies & ~parent_q
    idxs = np.flatnonzero(chosen)
    idxs = idxs[np.lexsort((idxs, -participants[idxs]))]
    for k, raw in enumerate(idxs):
        u = int(raw)
        n_persons = int(net.downline_size[u])
        evidence = {
            "participants": int(participants[u]),
            "persons": n_persons,
            "levels": int(net.org_levels[u]),
            "min_participants": params.min_participants,
            "min_levels": params.min_levels,
            "count_all": params.count_all,
            "paying_share": round(int(participants[u]) / n_persons, 4) if n_persons else 0.0,
            "nested_qualifying": int(nested[u]),
            "chain": net.chain(u),
        }
        if recruit_pay is not None:
            evidence["recruit_pay"] = int(recruit_pay[u])
        if k < DETAIL_LIMIT:
            evidence["per_level"] = _per_level(net, u)
        yield Finding(
            subject=Subject("organization", net.id_of(u)),
            message=(
                f"organization led by {net.id_of(u)} has {int(participants[u])} participants "
                f"over {int(net.org_levels[u])} levels (threshold {params.min_participants} "
                f"and {params.min_levels}, organizer counted)"
            ),
            evidence=evidence,
        )


def _per_level(net: Network, u: int) -> dict[str, int]:
    cand = net.org_members(int(net.root[u]))
    cand = cand[net.level[cand] >= net.level[u]]
    gen = net.generation(np.full(cand.size, u, dtype=np.int32), cand)
    counts = np.bincount(gen[gen >= 0] + 1)
    return {str(lv): int(c) for lv, c in enumerate(counts) if lv and c}
