"""Participants paying to join: share of agents with an entry payment above ``max_share_paying``.

ENTRY(x) (regulations.md §0) = ``fees_paid`` + the agent's ``starter_kit`` and ``fee`` orders,
plus, when ``first_purchase_window_days`` > 0, every other purchase within that many days of
joining: the disguised entry fee of a "free" sign-up with a mandatory first purchase. An
agent counts as paying when ENTRY ≥ ``min_amount``. One network finding when the share of
paying agents exceeds ``max_share_paying`` (``max_share_paying: 0`` flags any entry payment).

Why it matters: paying, or buying goods as a disguised fee, to join or to gain the right to
recruit is 入门费 under 禁止传销条例 Art. 7(2) (CN-AP-02, where the 0.8 share is a tool
default) and an element of 刑法 Art. 224-1; 直销管理条例 Art. 14 forbids any fee or purchase
as a condition of becoming a 直销员 (CN-DS-02); Vietnam's Decree 40 forbids deposits and
minimum purchases to join (VN-2); the UCPD Annex I point 14 needs consideration of any
amount (C-515/12); Koscot's first element is the payment for the right to sell and recruit.

Example::

    - id: CN-AP-02
      check: entry_payments
      severity: high
      params: {max_share_paying: 0.8, first_purchase_window_days: 0, min_amount: 1}

Evidence: ``agents``, ``paying``, ``share_paying``, ``max_share_paying``, ``total_entry`` and
``median_entry`` (among paying agents; with ``_display``), ``by_component`` (``fees_paid``,
``starter_kit``, ``fee_orders``, ``first_purchases``), ``first_purchase_window_days``,
``by_cohort`` (join month → agents, paying, share), ``top_organizations`` (root, agents,
paying, entry) and ``top_payers`` (agent, entry).

References: 禁止传销条例 Art. 7(2); 刑法 Art. 224-1; 直销管理条例 Art. 14; Decree
40/2018/ND-CP; Directive 2005/29/EC Annex I point 14, C-515/12; In re Koscot (1975).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics.attribution import early_purchases
from mlm_audit.metrics.periods import money, money_text
from mlm_audit.metrics.ranking import first_k
from mlm_audit.model import NETWORK, Finding
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ()
TOP = 10


class Params(CheckParams):
    max_share_paying: float = Field(
        0.8, ge=0.0, le=1.0,
        description="Highest share of agents with an entry payment allowed (fires when above; "
                    "0 flags any). 0.8 is an engineering default.",
    )
    first_purchase_window_days: int = Field(
        0, ge=0, le=3_650,
        description="Purchases within this many days of joining count as a disguised entry "
                    "fee (0 = off).",
    )
    min_amount: int = Field(
        1, ge=1, le=10**15,
        description="Smallest ENTRY (minor units) that counts as paying to join.",
    )


def run(net: Network, params: Params) -> Iterator[Finding]:
    if net.n == 0:
        return
    m = net.agent_money
    fees = m["fees_paid"].to_numpy()
    kits = m["bought_starter_kit"].to_numpy()
    fee_orders = m["bought_fee"].to_numpy()
    early = np.zeros(net.n, dtype=np.int64)
    if params.first_purchase_window_days > 0:
        # kits and fee orders are already in ENTRY; add only the other early purchases
        early = early_purchases(net, params.first_purchase_window_days,
                                exclude=("return", "starter_kit", "fee"))
    entry = m["entry"].to_numpy() + early
    paying = entry >= params.min_amount
    n_paying = int(paying.sum())
    if n_paying == 0 or n_paying <= params.max_share_paying * net.n:
        return
    share = n_paying / net.n
    total = int(entry[paying].sum())
    median = int(np.median(entry[paying]))
    yield Finding(
        subject=NETWORK,
        message=(
            f"{n_paying} of {net.n} agents ({share:.1%}) paid to join (median "
            f"{money_text(median)}); at most {params.max_share_paying:.0%} allowed"
        ),
        evidence={
            "agents": net.n,
            "paying": n_paying,
            "share_paying": round(share, 4),
            "max_share_paying": params.max_share_paying,
            **money("total_entry", total),
            **money("median_entry", median),
            "by_component": {
                "fees_paid": int(fees.sum()),
                "starter_kit": int(kits.sum()),
                "fee_orders": int(fee_orders.sum()),
                "first_purchases": int(early.sum()),
            },
            "first_purchase_window_days": params.first_purchase_window_days,
            "by_cohort": _cohorts(net, paying),
            "top_organizations": _organizations(net, paying, entry),
            "top_payers": [
                {"agent_id": net.id_of(i), **money("entry", int(entry[i]))}
                for i in first_k(-entry, TOP) if paying[i]
            ],
        },
    )


def _cohorts(net: Network, paying: np.ndarray) -> dict[str, dict[str, Any]]:
    df = pl.DataFrame({
        "cohort": net.agents["joined_at"].dt.strftime("%Y-%m").fill_null("unknown"),
        "paying": paying,
    }).group_by("cohort").agg(pl.len().alias("agents"), pl.col("paying").sum()).sort("cohort")
    return {
        c: {"agents": int(a), "paying": int(p), "share": round(p / a, 4)}
        for c, a, p in df.select("cohort", "agents", "paying").iter_rows()
    }


def _organizations(net: Network, paying: np.ndarray, entry: np.ndarray) -> list[dict[str, Any]]:
    ok = net.root >= 0
    df = pl.DataFrame({"root": net.root[ok], "paying": paying[ok], "entry": entry[ok]})
    g = (
        df.group_by("root")
        .agg(pl.len().alias("agents"), pl.col("paying").sum(), pl.col("entry").sum())
        .sort(["paying", "root"], descending=[True, False]).head(TOP)
    )
    return [
        {"root_id": net.id_of(r), "agents": int(a), "paying": int(p), **money("entry", int(e))}
        for r, a, p, e in g.select("root", "agents", "paying", "entry").iter_rows()
    ]
