"""Recruitment tree deeper than a set number of levels.

Counts levels of each organization with its root as level 1 (the counting of the 2013
opinion, 公通字〔2013〕37号) and yields one finding per organization whose deepest agent lies
beyond ``max_levels``. Depth alone is not unlawful; it is the structural element of the
Chinese criminal test (≥ 3 levels) and of many platform rules on 分销 tiers.

Example::

    - id: BASE-DEPTH
      check: excess_depth
      severity: medium
      params: {max_levels: 3}

Evidence: ``levels`` (L of the root), ``max_levels``, ``agents_beyond`` (agents deeper than
the limit), ``deepest_agent`` and ``chain`` (root to the deepest agent), ``per_level``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics.tree import stable_order
from mlm_audit.model import Finding, Subject
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ()


class Params(CheckParams):
    max_levels: int = Field(
        3, ge=1, le=10_000,
        description="Deepest level allowed, the root counted as level 1.",
    )


def run(net: Network, params: Params) -> Iterator[Finding]:
    roots = np.flatnonzero((net.parent < 0) & net.rooted)
    deep_roots = roots[net.org_levels[roots] > params.max_levels]
    if deep_roots.size == 0:
        return
    root_of = net.root
    beyond = net.rooted & (net.level > params.max_levels)
    beyond_per_root = np.bincount(root_of[beyond], minlength=net.n)
    # deepest agent per root: the first agent at the maximal level of each organization
    order = stable_order(-net.level)
    order = order[net.rooted[order]]
    first_of_root = {}
    for r, i in zip(*np.unique(root_of[order], return_index=True), strict=True):
        first_of_root[int(r)] = int(order[i])
    for r in deep_roots:
        r = int(r)
        per_level = np.bincount(net.level[net.org_members(r)])
        deepest = first_of_root[r]
        levels = int(net.org_levels[r])
        yield Finding(
            subject=Subject("organization", net.id_of(r)),
            message=(
                f"organization of {net.id_of(r)} has {levels} levels, "
                f"{params.max_levels} allowed; {int(beyond_per_root[r])} agents lie beyond"
            ),
            evidence={
                "levels": levels,
                "max_levels": params.max_levels,
                "agents_beyond": int(beyond_per_root[r]),
                "deepest_agent": net.id_of(deepest),
                "chain": net.chain(deepest),
                "per_level": {str(lv): int(c) for lv, c in enumerate(per_level) if lv and c},
            },
        )
