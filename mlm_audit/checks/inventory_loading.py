"""Agents loaded with stock: resale ratio below ``min_resale_ratio`` while they earn.

Per agent and window, ``purchased`` = the agent's ``stock_up``, ``starter_kit`` and
``self_purchase`` orders; ``resold`` = everything the agent sold as seller, to anyone (net of
returns). ``resale_ratio`` = resold ÷ purchased, the Amway 70% rule read strictly.
``ratio_with_use`` also credits personal use: the agent's ``self_purchase`` orders (when
``count_self_purchase``, Amway's practice of letting personal use count) and a flat
``personal_use_allowance`` share of purchases. A finding per agent-window when
``ratio_with_use`` < ``min_resale_ratio``, purchases ≥ ``min_purchased`` and, with
``require_earnings``, the agent is paid (in any window: commissions are often settled after
the window they reward). Findings are ordered by unsold amount, largest first, and capped
at ``max_findings``; a network finding counts them all and names the agents with the most
unsold stock.

Why it matters: *In re Amway* (1979) made the performance bonus conditional on reselling at
least 70% of the products bought in the month (US-AMW-70); the FTC's 2018/2024 business
guidance names inventory loading, purchases unrelated to demand, as a sign that rewards
are not tied to retail sales (US-GD-2); *Webster v. Omnitrition* holds that such safeguards
count only when enforced in practice. Stock bought to qualify and never sold is the 囤货
pattern of agency stocking and part of 传销资金 in 公通字〔2013〕37号 §4.

Example::

    - id: US-AMW-70
      check: inventory_loading
      severity: medium
      params: {min_resale_ratio: 0.7, window: month, require_earnings: true}

Evidence (agent): ``resale_ratio``, ``ratio_with_use``, ``min_resale_ratio``, ``purchased``,
``resold``, ``self_use``, ``unsold``, ``earned`` (in the window) and ``earned_total`` (with
``_display``), ``window``,
``agent_id``, ``root_id``, ``chain``. Network: ``agent_windows``, ``agents``, ``periods``,
``unsold_total``, ``not_itemized``, ``worst`` (agent ids).

References: In re Amway Corp., 93 F.T.C. 618 (1979); FTC Business Guidance Concerning
Multi-Level Marketing (2018, rev. 2024); Webster v. Omnitrition, 79 F.3d 776 (9th Cir.
1996); DSA Code of Ethics (inventory); 公通字〔2013〕37号 §4.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics.attribution import earned_at, purchase_periods
from mlm_audit.metrics.money import sum_by
from mlm_audit.metrics.periods import Window, money, money_text, period_label
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network

VERSION = 1
WEIGHT = 3  # scheduling hint (CheckType.weight): per-agent-period views
# payouts: "while earning" cannot be judged without them, and a silent pass would mislead
NEEDS: tuple[str, ...] = ("orders", "payouts")
ORDER = ["unsold", "ratio_use", "idx", "pk"]  # findings: most unsold first


class Params(CheckParams):
    min_resale_ratio: float = Field(
        0.7, ge=0.0, le=100.0,
        description="Least share of purchases resold (or used) in the window (Amway: 0.7).",
    )
    personal_use_allowance: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Share of purchases credited as personal use on top of resales.",
    )
    count_self_purchase: bool = Field(
        True,
        description="Credit the agent's self_purchase orders as personal use (false = the "
                    "strict 70% reading).",
    )
    window: Window = Field("month", description="Window: month, quarter, year or all.")
    min_purchased: int = Field(
        0, ge=0, le=10**15,
        description="Skip agent-windows with purchases below this (minor units).",
    )
    require_earnings: bool = Field(
        True,
        description="Only agents that received payouts (at any time: pay is often settled "
                    "after the window it rewards).",
    )
    max_findings: int = Field(
        100, ge=0, le=100_000,
        description="Agent-windows itemized; the rest are counted in the network finding.",
    )


def run(net: Network, params: Params) -> Iterator[Finding]:
    if net.facts.orders == 0:
        return
    t = purchase_periods(net, params.window)
    if params.require_earnings:
        # pay is often settled after the window it rewards: an earner is an agent paid at all
        earner = np.zeros(net.n, dtype=bool)
        rec = net.pays.filter(pl.col("amount") > 0)["idx"].to_numpy()
        earner[rec[rec >= 0]] = True
        t = t.filter(pl.Series(earner[t["idx"].to_numpy()]))
    credit = pl.col("resold") + params.personal_use_allowance * pl.col("purchased")
    if params.count_self_purchase:
        credit = credit + pl.col("self_use")
    flagged = t.filter(
        (pl.col("idx") >= 0)
        & (pl.col("purchased") > 0)
        & (pl.col("purchased") >= params.min_purchased)
    ).with_columns(
        (pl.col("resold") / pl.col("purchased")).alias("ratio"),
        (credit / pl.col("purchased")).alias("ratio_use"),
        pl.max_horizontal(pl.col("purchased") - pl.col("resold") - pl.col("self_use"), pl.lit(0))
        .alias("unsold"),
    ).filter(pl.col("ratio_use") < params.min_resale_ratio)
    if flagged.height == 0:
        return
    # (idx, pk) is unique: the k first rows of the full order are its top k
    shown = flagged.top_k(params.max_findings, by=ORDER, reverse=[False, True, True, True]
                          ).sort(ORDER, descending=[True, False, False, False])
    idx = flagged["idx"].to_numpy()
    agents = np.flatnonzero(np.bincount(idx, minlength=net.n))
    unsold = sum_by(idx.astype(np.int64), flagged["unsold"].to_numpy(), net.n)[agents]
    worst = agents[np.lexsort((agents, -unsold))[:10]].tolist()
    yield Finding(
        subject=NETWORK,
        message=(
            f"{flagged.height} agent-windows ({params.window}) resold less than "
            f"{params.min_resale_ratio:.0%} of their purchases"
            + (" while earning" if params.require_earnings else "")
            + f"; {money_text(int(flagged['unsold'].sum()))} unsold"
        ),
        evidence={
            "agent_windows": flagged.height,
            "agents": int(agents.size),
            "periods": [period_label(k, params.window) for k in flagged["pk"].unique().sort()],
            "min_resale_ratio": params.min_resale_ratio,
            "window": params.window,
            **money("unsold_total", int(flagged["unsold"].sum())),
            "not_itemized": flagged.height - shown.height,
            "worst": [net.id_of(i) for i in worst],
        },
    )
    shown = shown.with_columns(pl.Series("earned", earned_at(
        net, params.window, shown["idx"].to_numpy(), shown["pk"].to_numpy())))
    paid_total = net.paid_total
    for r in shown.iter_rows(named=True):
        i = int(r["idx"])
        label = period_label(r["pk"], params.window)
        yield Finding(
            subject=Subject("agent", net.id_of(i)),
            period=None if params.window == "all" else label,
            message=(
                f"agent {net.id_of(i)} resold {r['ratio']:.0%} of {money_text(r['purchased'])} "
                f"bought in {label} ({r['ratio_use']:.0%} with personal use), below "
                f"{params.min_resale_ratio:.0%}"
            ),
            evidence=agent_evidence(
                net, i,
                resale_ratio=round(float(r["ratio"]), 4),
                ratio_with_use=round(float(r["ratio_use"]), 4),
                min_resale_ratio=params.min_resale_ratio,
                window=params.window,
                **money("purchased", r["purchased"]),
                **money("resold", r["resold"]),
                **money("self_use", r["self_use"]),
                **money("unsold", r["unsold"]),
                **money("earned", r["earned"]),
                **money("earned_total", int(paid_total[i])),
            ),
        )
