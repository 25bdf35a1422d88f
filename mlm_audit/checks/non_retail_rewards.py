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
from typing import Literal

import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics import windows
from mlm_audit.metrics.periods import money, money_text
from mlm_audit.metrics.sources import kind_names
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network
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


def classify(net: Network, params: Params) -> pl.DataFrame:
    """Per payout in scope: ``recipient_idx, kind, amount, linked, non_retail``."""
    src = windows.payout_sources(net)
    p = net.pays.select(
        pl.col("idx").alias("recipient_idx"), "dsrc", "n", "amount",
        kind_names(pl.col("kind"), PAYOUT_KINDS).alias("kind"),
    ).with_columns(src)
    retail = pl.col("src_ext_retail") | (
        ~pl.col("linked") & (pl.col("kind") == "retail_commission")
        & pl.lit(params.count_unlinked_retail_commission)
    )
    p = p.with_columns((~retail).alias("non_retail"))
    if params.scope == "downline":
        p = p.filter(pl.col("dsrc"))
    return p


def run(net: Network, params: Params) -> Iterator[Finding]:
    p = classify(net, params)
    nr_amount = pl.when(pl.col("non_retail")).then(pl.col("amount")).otherwise(0)
    tot = p.select(pl.col("amount").sum().alias("total"), nr_amount.sum().alias("nr"),
                   (pl.col("n").filter(pl.col("linked")).sum() / pl.col("n").sum()).alias("linked"))
    total, non_retail = int(tot["total"][0] or 0), int(tot["nr"][0] or 0)
    if total <= 0:
        return
    share = non_retail / total
    if share <= params.max_share:
        return
    by_kind = (p.filter(pl.col("non_retail")).group_by("kind").agg(pl.col("amount").sum())
               .sort("kind"))
    yield Finding(
        subject=NETWORK,
        message=(f"{share:.1%} of {'downline ' if params.scope == 'downline' else ''}rewards are "
                 f"not based on sales to external customers (at most {params.max_share:.1%})"),
        evidence={
            "share": round(share, 4), "max_share": params.max_share,
            **money("non_retail", non_retail, "_text"),
            **money("total", total, "_text"),
            "non_retail_by_kind": {str(k): int(v) for k, v in by_kind.iter_rows()},
            "linked_share": round(float(tot["linked"][0] or 0.0), 4), "scope": params.scope,
        },
    )
    agents = (
        p.filter(pl.col("recipient_idx") >= 0)
        .group_by("recipient_idx")
        .agg(pl.col("amount").sum().alias("total"), nr_amount.sum().alias("nr"))
        .filter((pl.col("total") > 0) & (pl.col("nr") > params.max_share * pl.col("total")))
        .sort(["nr", "recipient_idx"], descending=[True, False])
        .head(params.max_findings)
    )
    for idx, a_total, a_nr in agents.iter_rows():
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
