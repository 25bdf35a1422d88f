"""Share of payouts funded by recruitment above ``max_share`` (headcount pay).

A payout is recruitment-funded (RECRUIT_PAY, regulations.md §0) when it is a
``recruitment_bonus``, when its source order is a ``starter_kit`` or a ``fee``, or when its
source order is a purchase the source agent made within ``entry_window_days`` of joining (a
recruit's first purchases; 0 turns this off; the recipient's own purchases never count).
The share is Σ recruitment-funded ÷ Σ all payouts, network-wide and per organization (the
root of the recipient), and a finding is yielded where it exceeds ``max_share``.

Why it matters: pay computed on the number of people recruited, or on their entry fees and
kits, is 拉人头 under 禁止传销条例 Art. 7(1) (CN-AP-01, where any such pay is flagged:
``max_share: 0``) and the disguised headcount pay of 公通字〔2013〕37号 §5 (CN-CR-04,
> 0.5). Under Koscot and BurnLounge the question is whether rewards are primarily for
recruitment rather than for sales to ultimate users (US-KOS-2 / US-BL-1, > 0.5), and the
UCPD Annex I point 14 blacklists schemes whose compensation derives primarily from the
introduction of other consumers (EU-UCPD-14b; C-667/15: an indirect link suffices). The
0.5 reading of "primarily" and the 30-day window are engineering defaults, not law.

Example::

    - id: US-BL-1
      check: recruitment_rewards
      severity: high
      params: {max_share: 0.5, entry_window_days: 30, scope: both}

Evidence: ``share``, ``max_share``, ``recruit_funded`` and ``total`` (with ``_display``),
``by_source`` (``recruitment_bonus``, ``starter_kit``, ``fee``, ``entry_window`` amounts),
``entry_window_days``, ``top_recipients`` (largest recruitment-funded earners: id, amount);
organization findings add ``root_id``, ``agents`` and ``chain``; the network finding adds
``organizations_over`` and ``not_itemized``.

References: 禁止传销条例 Art. 2, Art. 7(1); 公通字〔2013〕37号 §5; In re Koscot (1975); FTC v.
BurnLounge, 753 F.3d 878 (9th Cir. 2014); Directive 2005/29/EC Annex I point 14, C-515/12,
C-667/15; 多層次傳銷管理法 Art. 18.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.metrics.attribution import payout_sources
from mlm_audit.metrics.periods import money, money_text
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ("payouts",)
SOURCES = ("recruitment_bonus", "starter_kit", "fee", "entry_window")
TOP = 10


class Params(CheckParams):
    max_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Highest recruitment-funded share of payouts allowed (fires when above). "
                    "0.5 reads 'primarily'; engineering default.",
    )
    entry_window_days: int = Field(
        30, ge=0, le=3_650,
        description="Pay sourced from a recruit's purchases within this many days of joining "
                    "counts as recruitment-funded (0 = off). Engineering default.",
    )
    scope: Literal["network", "organization", "both"] = Field(
        "both", description="Measure network-wide, per organization (root), or both.",
    )
    min_total: int = Field(
        0, ge=0, le=10**15,
        description="Organizations with less total payouts (minor units) are skipped.",
    )
    max_findings: int = Field(
        100, ge=0, le=100_000,
        description="Organizations itemized; the rest are counted in the network finding.",
    )


def _figures(rows: pl.DataFrame) -> dict[str, Any]:
    funded = int(rows.filter(pl.col("funded_by").is_not_null())["amount"].sum())
    total = int(rows["amount"].sum())
    by = rows.filter(pl.col("funded_by").is_not_null()).group_by("funded_by").agg(
        pl.col("amount").sum())
    by_source = {s: 0 for s in SOURCES}
    for k, v in by.iter_rows():
        by_source[str(k)] = int(v)
    f = rows.filter(pl.col("funded_by").is_not_null() & (pl.col("recipient_idx") >= 0))
    rec = f["recipient_idx"].to_numpy()
    # bincount over dense ids: exact below 2**53 and cheaper than a hash group-by
    per = np.rint(np.bincount(rec, weights=f["amount"].to_numpy(), minlength=1)).astype(np.int64)
    ids = np.flatnonzero(per)
    ids = ids[np.lexsort((ids, -per[ids]))][:TOP]
    top = pl.DataFrame({"recipient_idx": ids, "amount": per[ids]})
    return {
        "share": round(funded / total, 4) if total > 0 else 0.0,
        **money("recruit_funded", funded),
        **money("total", total),
        "by_source": by_source,
        "_top": top,
        "_exact": (funded, total),
    }


def _over(funded: int, total: int, max_share: float) -> bool:
    return total > 0 and funded > max_share * total


def run(net: Network, params: Params) -> Iterator[Finding]:
    if net.pays.height == 0:
        return
    src = payout_sources(net, params.entry_window_days).select(
        "recipient_idx", "amount", "funded_by")
    if src["funded_by"].null_count() == src.height:
        return
    rec = src["recipient_idx"].to_numpy()
    root = np.where(rec >= 0, net.root[np.where(rec >= 0, rec, 0)], -1)
    src = src.with_columns(pl.Series("root", root, dtype=pl.Int32))

    orgs: list[tuple[int, dict[str, Any]]] = []
    if params.scope != "network":
        per = (
            src.filter(pl.col("root") >= 0)
            .group_by("root")
            .agg(
                pl.col("amount").filter(pl.col("funded_by").is_not_null()).sum().alias("f"),
                pl.col("amount").sum().alias("t"),
            )
            .filter((pl.col("t") >= max(params.min_total, 1))
                    & (pl.col("f") > params.max_share * pl.col("t")))
            .sort(["f", "root"], descending=[True, False])
        )
        roots = per["root"].head(params.max_findings).to_list()
        parts = src.filter(pl.col("root").is_in(roots)).partition_by("root", as_dict=True)
        orgs = [(int(r), _figures(parts[(r,)])) for r in roots]
        n_over = per.height
    else:
        n_over = 0

    whole = _figures(src)
    funded, total = whole["_exact"]
    if params.scope != "organization" and _over(funded, total, params.max_share):
        yield Finding(
            subject=NETWORK,
            message=(
                f"{whole['share']:.1%} of payouts ({money_text(whole['recruit_funded'])} of "
                f"{money_text(whole['total'])}) are funded by recruitment; "
                f"at most {params.max_share:.0%} allowed"
            ),
            evidence=_evidence(net, whole, params)
            | {"organizations_over": n_over, "not_itemized": max(n_over - len(orgs), 0)},
        )
    for r, fig in orgs:
        yield Finding(
            subject=Subject("organization", net.id_of(r)),
            message=(
                f"in the organization of {net.id_of(r)}, {fig['share']:.1%} of payouts "
                f"({money_text(fig['recruit_funded'])}) are funded by recruitment; at most "
                f"{params.max_share:.0%} allowed"
            ),
            evidence=_evidence(net, fig, params) | {
                "root_id": net.id_of(r),
                "agents": int(net.downline_size[r]),
                "chain": net.chain(r),
            },
        )


def _evidence(net: Network, fig: dict[str, Any], params: Params) -> dict[str, Any]:
    top = fig["_top"]
    out = {k: v for k, v in fig.items() if not k.startswith("_")}
    out["max_share"] = params.max_share
    out["entry_window_days"] = params.entry_window_days
    out["top_recipients"] = [
        {"agent_id": net.id_of(i), **money("amount", a)}
        for i, a in top.iter_rows()
    ]
    return out
