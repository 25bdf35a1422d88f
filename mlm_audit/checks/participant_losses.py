"""Most participants lose money: share with negative net above a set share.

``net(a)`` = payouts received − ENTRY (fees, starter kits, fee orders) − unsold stock
(``stock_up`` purchases not matched by the agent's own sales), the per-agent ``net``
column of the metrics table (regulations.md §0 and §5). The check fires when the share of
participants with ``net < 0`` exceeds ``max_share``. Participants are all agents in the
tree; ``active_only`` keeps those who bought, sold or were paid anything, and
``paying_only`` those with ENTRY > 0 (the BurnLounge finding: 93.84% of participants failed
to recoup). All three figures are always in the evidence.

Losses are evidence of harm, not a legal test on their own: packs use this at INFO.

Example::

    - id: US-BL-3
      check: participant_losses
      severity: info
      params: {max_share: 0.5, paying_only: true}

Evidence: ``share`` (the figure compared), ``max_share``, ``population``, ``losers``,
``participants``, ``all`` / ``active`` / ``paying`` (each ``{participants, losers, share}``),
``median_net``, ``total_loss`` (minor units, with ``*_text``) and ``worst_agents`` (ids and
net of the ten largest losses).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics.periods import money
from mlm_audit.metrics.ranking import first_k
from mlm_audit.model import NETWORK, Finding
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ("payouts",)  # without payouts every payer would look like a loser
WORST_SHOWN = 10


class Params(CheckParams):
    max_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Largest allowed share of participants with negative net (engineering "
                    "default); exceeding it fires.",
    )
    active_only: bool = Field(
        False, description="Count only participants who bought, sold or were paid anything.",
    )
    paying_only: bool = Field(
        False, description="Count only participants who paid to join (ENTRY > 0).",
    )
    min_participants: int = Field(
        1, ge=1, le=10**9, description="Populations smaller than this are not judged.",
    )


def _figure(mask: npt.NDArray[np.bool_], loser: npt.NDArray[np.bool_]) -> dict[str, Any]:
    n = int(mask.sum())
    lost = int((mask & loser).sum())
    return {"participants": n, "losers": lost, "share": round(lost / n, 4) if n else 0.0}


def run(net: Network, params: Params) -> Iterator[Finding]:
    m = net.metrics
    net_v = m["net"].to_numpy().astype(np.int64)
    bought = np.zeros(net.n, dtype=np.int64)
    for c in m.columns:
        if c.startswith("bought_"):
            bought += np.abs(m[c].to_numpy())
    active = (bought != 0) | (m["sold_ext"].to_numpy() != 0) | (m["sold_int"].to_numpy() != 0) \
        | (m["paid_total"].to_numpy() != 0)
    paying = m["entry"].to_numpy() > 0
    everyone = net.rooted.copy()
    loser = net_v < 0
    figures = {
        "all": _figure(everyone, loser),
        "active": _figure(everyone & active, loser),
        "paying": _figure(everyone & paying, loser),
    }
    pop = everyone & (active if params.active_only else True) & (
        paying if params.paying_only else True)
    name = "+".join(k for k, on in (("active", params.active_only),
                                    ("paying", params.paying_only)) if on) or "all"
    fig = _figure(pop, loser)
    if fig["participants"] < params.min_participants or fig["share"] <= params.max_share:
        return
    idx = np.flatnonzero(pop & loser)
    worst = idx[first_k(net_v[idx], WORST_SHOWN)]
    total_loss = int(net_v[idx].sum())
    median = int(np.median(net_v[pop])) if pop.any() else 0
    yield Finding(
        subject=NETWORK,
        message=(f"{fig['share']:.1%} of participants ({name}: {fig['losers']} of "
                 f"{fig['participants']}) have a negative net (at most {params.max_share:.0%})"),
        evidence={
            "share": fig["share"], "max_share": params.max_share, "population": name,
            "losers": fig["losers"], "participants": fig["participants"], **figures,
            **money("median_net", median, "_text"),
            **money("total_loss", total_loss, "_text"),
            "worst_agents": [{"agent_id": net.id_of(i), "net": int(net_v[i])} for i in worst],
        },
    )
