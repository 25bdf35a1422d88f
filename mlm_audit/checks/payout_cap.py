"""Payouts above a set share of a sales base (statutory payout caps).

Compares payouts with a base per window and reports where ``payouts ÷ base > max_ratio``:

- ``own_external_retail``: per agent and window, everything paid to the agent over its own
  retail sales to external customers, net of returns (直销管理条例 Art. 24: total pay ≤ 30%
  of the 直销员's own direct sales, paid monthly). Payouts with no such sales in the window
  exceed any cap. Subject: agent, with the window as period.
- ``company_revenue``: per window, all payouts over goods revenue net of returns, fees
  excluded (Vietnam Decree 40 Art. 48: ≤ 40% a year, ex-VAT). Subject: network.
- ``supplied_to_salespeople``: per window, all payouts over goods bought by participants or
  credited to an agent's code (Korea Door-to-Door Sales Act Art. 20(3): ≤ 35% a year, VAT
  included). Subject: network.

``vat_rate`` divides the base by ``1 + vat_rate`` when order amounts include VAT and the
cap is measured ex-VAT. Payouts are placed in the window they were paid in; exports that
settle less often than the window compare a settlement with one window of sales.

Agent findings are preceded by one network finding with the totals; at most
``max_findings`` agent-windows are itemized, largest excess first.

Example::

    - id: CN-DS-01b
      check: payout_cap
      severity: high
      params: {max_ratio: 0.3, base: own_external_retail, window: month}

Evidence: ``paid`` and ``base`` (minor units) with ``paid_text`` / ``base_text``, ``ratio``,
``max_ratio``, ``excess`` (paid − max_ratio × base), ``base_kind``, ``vat_rate``, ``window``;
agent findings add ``agent_id``, ``root_id`` and ``chain``; the network summary has
``agent_periods_over``, ``agents_over`` and ``total_excess``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics import windows
from mlm_audit.metrics.periods import money, period_label
from mlm_audit.metrics.runs import gather, key_of
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ("orders", "payouts")


class Params(CheckParams):
    max_ratio: float = Field(
        ..., gt=0.0, le=100.0,
        description="Largest allowed payouts ÷ base (e.g. 0.3 for 30%); exceeding it fires.",
    )
    base: Literal["own_external_retail", "company_revenue", "supplied_to_salespeople"] = Field(
        "own_external_retail",
        description="What payouts are compared with: the agent's own external retail, company "
                    "goods revenue, or goods supplied to the sales force.",
    )
    window: Literal["month", "quarter", "year"] = Field(
        "month", description="Period over which payouts and base are summed.",
    )
    vat_rate: float = Field(
        0.0, ge=0.0, le=1.0,
        description="VAT rate included in order amounts; the base is divided by 1 + vat_rate.",
    )
    min_paid: int = Field(
        1, ge=1, le=10**15,
        description="Agent-windows paid less than this (minor units) are ignored "
                    "(engineering default).",
    )
    max_findings: int = Field(
        100, ge=0, le=100_000, description="Agent findings itemized at most.",
    )


def _figures(paid: int, base: float, params: Params) -> dict[str, Any]:
    ratio = round(paid / base, 4) if base > 0 else None
    return {
        **money("paid", paid, "_text"),
        **money("base", round(base), "_text"),
        "ratio": ratio, "max_ratio": params.max_ratio,
        "excess": round(paid - params.max_ratio * max(base, 0.0)),
        "base_kind": params.base, "vat_rate": params.vat_rate, "window": params.window,
    }


def run(net: Network, params: Params) -> Iterator[Finding]:
    scale = 1.0 + params.vat_rate
    if params.base == "own_external_retail":
        yield from _per_agent(net, params, scale)
        return
    paid = windows.paid_by_period(net, params.window)
    base = windows.company_base_by_period(net, params.window, params.base)
    df = paid.join(base, on="period", how="left").with_columns(
        (pl.col("base").fill_null(0) / scale).alias("base")
    ).filter(pl.col("paid") > 0).sort("period")
    over = df.filter((pl.col("base") <= 0) | (pl.col("paid") > params.max_ratio * pl.col("base")))
    for rec in over.iter_rows(named=True):
        fig = _figures(int(rec["paid"]), float(rec["base"]), params)
        ratio = "no base" if fig["ratio"] is None else f"{float(fig['ratio']):.1%}"
        yield Finding(
            subject=NETWORK,
            period=rec["period"],
            message=(f"payouts in {rec['period']} are {ratio} of {params.base.replace('_', ' ')}"
                     f", above the {params.max_ratio:.0%} cap"),
            evidence=fig,
        )


def _per_agent(net: Network, params: Params, scale: float) -> Iterator[Finding]:
    paid = windows.paid_by_agent_period_key(net, params.window).filter(
        pl.col("paid") >= params.min_paid)
    idx, pk, amount = (paid[c].to_numpy() for c in ("idx", "pk", "paid"))
    keys = key_of(idx, pk)
    base = gather(keys, *windows.ext_retail_by_agent_period_key(net, params.window)) / scale
    over = (base <= 0) | (amount > params.max_ratio * base)
    if not over.any():
        return
    idx, pk, amount, base = idx[over], pk[over], amount[over], base[over]
    excess = amount - params.max_ratio * np.maximum(base, 0.0)
    # most excess first, then by agent and period label (``undated`` after every date)
    periods = np.unique(pk)
    by_label = np.argsort(np.argsort([period_label(k, params.window) for k in periods.tolist()]))
    order = np.lexsort((by_label[np.searchsorted(periods, pk)], idx, -excess))
    df = pl.DataFrame({"idx": idx[order], "pk": pk[order], "paid": amount[order],
                       "base": base[order], "excess": excess[order]})
    agents = int(np.count_nonzero(np.bincount(idx, minlength=net.n)))
    yield Finding(
        subject=NETWORK,
        message=(f"{df.height} agent-{params.window}s paid more than {params.max_ratio:.0%} "
                 f"of own external retail ({agents} agents)"),
        evidence={
            "agent_periods_over": df.height, "agents_over": agents,
            **money("total_excess", round(float(df["excess"].sum())), "_text"),
            "max_ratio": params.max_ratio, "base_kind": params.base,
            "vat_rate": params.vat_rate, "window": params.window,
        },
    )
    df = df.head(params.max_findings)
    df = df.with_columns(pl.Series("period", [period_label(k, params.window)
                                              for k in df["pk"].to_list()], pl.String))
    for rec in df.iter_rows(named=True):
        fig = _figures(int(rec["paid"]), float(rec["base"]), params)
        ratio = "with no own external retail" if fig["ratio"] is None else (
            f"{float(fig['ratio']):.1%} of own external retail")
        yield Finding(
            subject=Subject("agent", net.id_of(rec["idx"])),
            period=rec["period"],
            message=(f"agent {net.id_of(rec['idx'])} was paid {fig['paid_text']} in "
                     f"{rec['period']}, {ratio} (cap {params.max_ratio:.0%})"),
            evidence=agent_evidence(net, int(rec["idx"]), **fig),
        )
