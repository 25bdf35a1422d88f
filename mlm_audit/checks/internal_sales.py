"""Revenue that comes from participants rather than external customers (internal consumption).

Per period, ``external`` = sales to buyers who are not participants at the order date (EXT
orders) and ``internal`` = participants' own purchases (self_purchase, starter kits, fees,
retail bought from another agent) plus stock they bought for resale and did not resell in
the period; stock resold is counted once, at its resale. ``external_share`` = external ÷
(external + internal).

Two tests: network-wide, a finding per period whose share is below ``min_external_share``
(share equal to the minimum passes); and, unless ``per_agent_min_external_share`` is null,
for every agent with a downline that received payouts in the period (when payouts are
given), the same share over
its downline T(a) (the agent included), a finding when the share is not above the minimum
(``per_agent_strict``, Vemma's majority) or below it. Periods or downlines with less revenue
than ``min_revenue`` or fewer than ``min_orders`` orders are skipped (an engineering
default: a share over a handful of orders is noise). A payout's period is its payment date;
where commissions are settled long after the sales they reward, use a wider ``window``.
Agent findings are ordered by internal revenue, largest first, and capped at
``max_findings``.

Why it matters: the FTC's Herbalife order (2016) requires at least 80% of product sales to
be to legitimate end users to pay compensation at current levels (US-HLF-2); the Vemma order
(2016) allows no compensation in a pay period unless a majority of the revenue of the
participant and its downline comes from non-participants (US-VEM-1); under Koscot and
BurnLounge, rewards tied to participants' own purchases rather than sales to ultimate users
mark a pyramid. Both orders bind only their parties: the figures are benchmarks, and the
Vemma terms come from law-firm summaries of the order, not its text (regulations.md §2.7).

Example::

    - id: US-HLF-2
      check: internal_sales
      severity: medium
      params: {min_external_share: 0.8, per_agent_min_external_share: 0.5, window: month}

Evidence (network, per period): ``external_share``, ``min_external_share``, ``external``,
``internal`` (with ``_display``). Agent: ``external_share``, ``threshold``, ``external``,
``internal``, ``earned``, ``orders``, ``downline_size``, ``agent_id``, ``root_id``, ``chain``. A
summary network finding (no period) holds ``agent_periods``, ``agents`` and
``not_itemized``.

References: FTC v. Herbalife International of America (C.D. Cal. 2016), stipulated order;
FTC v. Vemma Nutrition Co. (D. Ariz. 2016), stipulated order §II(C); In re Koscot (1975).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics.attribution import (
    downline_sums,
    earned_by_agent_period,
    external_share_parts,
    external_share_totals,
)
from mlm_audit.metrics.periods import money, money_text, period_label
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network

VERSION = 1
WEIGHT = 3  # scheduling hint (CheckType.weight): per-agent-period views
NEEDS: tuple[str, ...] = ("orders",)


class Params(CheckParams):
    min_external_share: float = Field(
        0.8, ge=0.0, le=1.0,
        description="Least network-wide share of revenue from external customers per period "
                    "(Herbalife order: 0.8).",
    )
    per_agent_min_external_share: float | None = Field(
        0.5, ge=0.0, le=1.0,
        description="Least share over a paid agent's downline per period (Vemma: a majority "
                    "above 0.5); null = network test only.",
    )
    per_agent_strict: bool = Field(
        True,
        description="The per-agent share must be strictly above the minimum (a majority).",
    )
    window: Literal["month", "quarter", "year"] = Field(
        "month", description="Pay period: month, quarter or year.",
    )
    min_revenue: int = Field(
        0, ge=0, le=10**15,
        description="Skip periods and downlines with less revenue (minor units).",
    )
    min_orders: int = Field(
        50, ge=0, le=10**9,
        description="Skip periods and downlines with fewer orders: a share over a handful of "
                    "orders is noise (engineering default).",
    )
    max_findings: int = Field(
        100, ge=0, le=100_000,
        description="Agent-periods itemized; the rest are counted in a summary finding.",
    )


def _share(ext: int, internal: int) -> float:
    return ext / (ext + internal) if ext + internal > 0 else 0.0


def run(net: Network, params: Params) -> Iterator[Finding]:
    if net.facts.orders == 0:
        return
    per_agent = params.per_agent_min_external_share is not None and net.facts.payouts > 0
    if per_agent:
        parts = external_share_parts(net, params.window)
        per_period = parts.group_by("pk").agg(
            pl.col("ext").sum(), pl.col("internal").sum(), pl.col("orders").sum())
    else:  # the network test alone: per-period totals, no per-agent table
        per_period = external_share_totals(net, params.window)
    for pk, ext, internal, n_orders in per_period.sort("pk").iter_rows():
        period = period_label(pk, params.window)
        total = int(ext) + int(internal)
        share = _share(int(ext), int(internal))
        too_small = total < max(params.min_revenue, 1) or n_orders < params.min_orders
        if too_small or share >= params.min_external_share:
            continue
        yield Finding(
            subject=NETWORK,
            period=period,
            message=(
                f"{share:.1%} of revenue in {period} came from external customers "
                f"({money_text(int(ext))} of {money_text(total)}); at least "
                f"{params.min_external_share:.0%} expected"
            ),
            evidence={
                "external_share": round(share, 4),
                "min_external_share": params.min_external_share,
                **money("external", int(ext)),
                **money("internal", int(internal)),
            },
        )
    if per_agent and params.per_agent_min_external_share is not None:
        yield from _per_agent(net, params, parts, params.per_agent_min_external_share)


def _per_agent(
    net: Network, params: Params, parts: pl.DataFrame, minimum: float
) -> Iterator[Finding]:
    earned = earned_by_agent_period(net, params.window)
    has_downline = net.direct_recruits > 0
    earned = earned.filter(pl.Series(has_downline[earned["idx"].to_numpy()])
                           & (pl.col("earned") > 0))
    rows = []
    by_pk = parts.partition_by("pk", as_dict=True)
    empty = parts.clear()
    for (pk,), grp in sorted(earned.partition_by("pk", as_dict=True).items()):
        by_pk.setdefault((pk,), empty)
        period = period_label(pk, params.window)
        idx = grp["idx"].to_numpy()
        sums = downline_sums(net, by_pk[(pk,)], ("ext", "internal", "orders"), at=idx)
        ext, internal = sums["ext"], sums["internal"]
        total = ext + internal
        share = np.divide(ext, total, out=np.zeros(idx.size), where=total > 0)
        bad = share <= minimum if params.per_agent_strict else share < minimum
        bad &= (total >= max(params.min_revenue, 1)) & (sums["orders"] >= params.min_orders)
        if not bad.any():
            continue
        rows.append(pl.DataFrame({
            "idx": idx[bad], "period": [period] * int(bad.sum()), "share": share[bad],
            "ext": ext[bad], "internal": internal[bad], "orders": sums["orders"][bad],
            "earned": grp["earned"].to_numpy()[bad],
        }))
    if not rows:
        return
    # largest internal revenue first: the organizations that matter, not tiny noisy downlines
    flagged = pl.concat(rows).sort(
        ["internal", "share", "idx", "period"], descending=[True, False, False, False])
    if flagged.height == 0:
        return
    shown = flagged.head(params.max_findings)
    yield Finding(
        subject=NETWORK,
        message=(
            f"{flagged.height} paid agent-periods had at most {minimum:.0%} of their "
            "downline's revenue from external customers"
        ),
        evidence={
            "agent_periods": flagged.height,
            "agents": flagged["idx"].n_unique(),
            "threshold": minimum,
            "per_agent_strict": params.per_agent_strict,
            "not_itemized": flagged.height - shown.height,
        },
    )
    for r in shown.iter_rows(named=True):
        i = int(r["idx"])
        yield Finding(
            subject=Subject("agent", net.id_of(i)),
            period=r["period"],
            message=(
                f"agent {net.id_of(i)} was paid {money_text(r['earned'])} in {r['period']} "
                f"while {r['share']:.1%} of its downline's revenue came from external customers"
            ),
            evidence=agent_evidence(
                net, i,
                external_share=round(float(r["share"]), 4),
                threshold=minimum,
                **money("external", int(r["ext"])),
                **money("internal", int(r["internal"])),
                **money("earned", int(r["earned"])),
                orders=int(r["orders"]),
                downline_size=int(net.downline_size[i]),
            ),
        )
