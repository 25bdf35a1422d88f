"""Payouts sourced from an agent who is not in the recipient's downline.

A payout on someone else's activity (its source agent is another agent) should flow up the
recruitment tree. When the source agent is not below the recipient — a cross-line or
orphan payout — either the sponsor tree in the export is not the one the plan pays on
(placement trees, re-parenting, compression), or money moves outside the declared
structure. Every downline metric (paid depth, team compensation, recruitment attribution)
is unreliable for these rows, so they are reported one by one (regulations.md §0, data
quality). Fires when their number exceeds ``max_count``: one network finding with the
totals, then payout findings, largest first (at most ``max_findings``).

Example::

    - id: BASE-CROSS-LINE
      check: cross_line_payouts
      severity: low
      params: {max_count: 0}

Evidence: network: ``count``, ``max_count``, ``amount`` (minor units, with ``amount_text``),
``recipients``; payout: ``payout_id``, ``row``, ``recipient_id``, ``source_agent_id``,
``amount``, ``amount_text``, ``kind``, ``recipient_chain`` and ``source_chain`` (each from
its organization root).
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics.periods import money, money_text
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network
from mlm_audit.schema import ROW

VERSION = 1
NEEDS: tuple[str, ...] = ("payouts",)


class Params(CheckParams):
    max_count: int = Field(
        0, ge=0, le=10**12,
        description="Cross-line payouts tolerated before the check fires.",
    )
    max_findings: int = Field(100, ge=0, le=100_000, description="Payout findings at most.")


def run(net: Network, params: Params) -> Iterator[Finding]:
    cross = net.pays.filter(pl.col("cross"))
    count = int(cross["n"].sum())
    if count <= params.max_count:
        return
    amount = int(cross["amount"].sum())
    yield Finding(
        subject=NETWORK,
        message=(f"{count} payouts ({money_text(amount)}) are sourced from agents "
                 f"outside the recipient's downline"),
        evidence={
            "count": count, "max_count": params.max_count, **money("amount", amount, "_text"),
            "recipients": int(cross["idx"].n_unique()),
        },
    )
    rows = net.require(cross_top=params.max_findings).cross_top
    top = rows.head(params.max_findings)  # the scan keeps them largest first
    for r in top.iter_rows(named=True):
        yield Finding(
            subject=Subject("payout", str(r["payout_id"])),
            message=(f"payout {r['payout_id']} to {r['recipient_id']} is sourced from "
                     f"{r['source_agent_id']}, who is not in the recipient's downline"),
            evidence={
                "payout_id": r["payout_id"], "row": r[ROW], "recipient_id": r["recipient_id"],
                "source_agent_id": r["source_agent_id"], **money("amount", r["amount"], "_text"),
                "kind": r["kind"],
                "recipient_chain": net.chain(int(r["recipient_idx"])),
                "source_chain": net.chain(int(r["source_idx"])),
            },
        )
