"""Payouts concentrated at the top: the top earners take more than a set share.

Ranks all participants (every agent in the tree, zero earners included) by payouts
received; the top ``top_fraction`` of them (at least one agent) take ``top_share`` of all
payouts. Fires when ``top_share > max_share``. A plan whose money flows to a few people at
the top while most participants earn little is the "top-weighted" pattern of pyramid
schemes; the FTC staff report on income disclosures (2024) and the AdvoCare and Herbalife
figures in regulations.md §5 are the benchmarks. Also reports the Gini coefficient, the
median and the share of participants paid nothing.

Example::

    - id: US-EC-2
      check: income_concentration
      severity: info
      params: {top_fraction: 0.01, max_share: 0.5}

Evidence: ``top_share``, ``max_share``, ``top_fraction``, ``top_count``, ``participants``,
``top_total``, ``total`` and ``median`` (minor units, each with ``*_text``), ``gini``,
``zero_share`` and ``top_agents`` (ids and amounts of up to twenty top earners).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics.periods import money
from mlm_audit.metrics.ranking import first_k
from mlm_audit.model import NETWORK, Finding
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ("payouts",)
TOP_SHOWN = 20


class Params(CheckParams):
    top_fraction: float = Field(
        0.01, gt=0.0, le=0.5,
        description="Fraction of participants counted as the top earners (0.01 = top 1%).",
    )
    max_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Largest allowed share of all payouts taken by the top earners "
                    "(engineering default); exceeding it fires.",
    )


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, → 1 = one takes all)."""
    v = np.sort(values.astype(np.float64))
    n = v.size
    total = v.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float((2.0 * (ranks * v).sum()) / (n * total) - (n + 1.0) / n)


def run(net: Network, params: Params) -> Iterator[Finding]:
    idx = np.flatnonzero(net.rooted)
    paid = np.clip(net.paid_total[idx], 0, None).astype(np.int64)
    total = int(paid.sum())
    if idx.size == 0 or total <= 0:
        return
    k = max(1, math.ceil(params.top_fraction * idx.size))
    top = first_k(-paid, k)  # largest first, ties by input order
    top_sum = int(paid[top].sum())
    share = top_sum / total
    median = int(np.median(paid))
    if share <= params.max_share:
        return
    yield Finding(
        subject=NETWORK,
        message=(f"the top {params.top_fraction:.1%} of participants ({k} of {idx.size}) "
                 f"received {share:.1%} of all payouts (at most {params.max_share:.0%})"),
        evidence={
            "top_share": round(share, 4), "max_share": params.max_share,
            "top_fraction": params.top_fraction, "top_count": k, "participants": int(idx.size),
            **money("top_total", top_sum, "_text"),
            **money("total", total, "_text"),
            "gini": round(gini(paid), 4), **money("median", median, "_text"),
            "zero_share": round(float((paid == 0).mean()), 4),
            "top_agents": [{"agent_id": net.id_of(int(idx[i])), "paid": int(paid[i])}
                           for i in top[:TOP_SHOWN]],
        },
    )
