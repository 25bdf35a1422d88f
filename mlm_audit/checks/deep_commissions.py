"""Payouts earned on agents more than ``max_generations`` below the recipient (team compensation).

Attributes every payout to its source agent (``source_agent_id``; without one, the source
order's seller or buyer) and measures gen(recipient, source): 0 for pay on one's own sales,
1 for pay on a direct recruit, and so on. ``paid_depth`` is the deepest generation paid.
Pay beyond ``max_generations`` is reported network-wide, then per recipient (largest amount
first, at most ``max_findings``; the rest are counted in the network finding).

Why it matters: paying an upline on its downline's sales or purchases is 团队计酬 (team
compensation), one of the three forms of 传销 in 禁止传销条例 Art. 7(3); WeChat's 2016 notice
bans it on the platform while one-level CPS (a rebate on a consumer's purchase the agent
referred) is tolerated; Korea's Door-to-Door Sales Act treats more than one paid level as
multi-level marketing (Art. 2); 直销管理条例 Art. 24 allows pay only on one's own sales
(``max_generations: 0``). The ``cps_external_only`` flag tells the tolerated one-level CPS
pattern (all generation-1 pay sourced from orders whose buyer is an external customer) from
pay on a recruited reseller's sales; ``exempt_cps: true`` does not count such CPS pay as
beyond the limit. Payouts whose source is not below the recipient are left to
``cross_line_payouts`` and counted here as ``unattributed``.

Example::

    - id: WX-01
      check: deep_commissions
      severity: high
      params: {max_generations: 1, min_amount: 0, max_findings: 50}

Evidence (network): ``paid_depth``, ``max_generations``, ``amount_beyond`` (and
``_display``), ``share_beyond`` (of all payouts), ``payouts_beyond``, ``recipients_beyond``,
``by_generation`` (amounts per generation, ``unattributed`` for unknown sources),
``cps_external_only``, ``exempt_cps``, ``not_itemized``, ``by_organization`` (root,
recipients, amount beyond; largest first). Per agent: ``amount_beyond``,
``share_beyond`` (of the agent's pay), ``paid_depth``, ``by_generation``, ``agent_id``,
``root_id``, ``chain``.

References: 禁止传销条例 (Decree 444) Art. 7(3); 公通字〔2013〕37号 §5; WeChat 2016-09-12
notice on multi-level distribution; 방문판매법 Art. 2; 直销管理条例 Art. 24.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics.attribution import by_generation, shared
from mlm_audit.metrics.money import sum_by
from mlm_audit.metrics.periods import money, money_text
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ("payouts",)
TOP_ORGS = 10


class Params(CheckParams):
    max_generations: int = Field(
        1, ge=0, le=10_000,
        description="Deepest generation that may be paid (0 = own sales only, 1 = direct "
                    "recruits, the one-level CPS pattern).",
    )
    min_amount: int = Field(
        0, ge=0, le=10**15,
        description="Pay beyond the limit must exceed this amount (minor units) to be reported, "
                    "network-wide and per recipient. Engineering default.",
    )
    exempt_cps: bool = Field(
        False,
        description="Do not count generation-1 pay sourced from orders with external buyers "
                    "(one-level CPS) as beyond the limit.",
    )
    max_findings: int = Field(
        50, ge=0, le=100_000,
        description="Recipients itemized one by one; the rest are counted in the network finding.",
    )


def run(net: Network, params: Params) -> Iterator[Finding]:
    if net.pays.height == 0:
        return
    # the attribution of every payout group (payout_sources) straight from the fact columns
    p = net.pays
    gen = p["gen"].to_numpy()
    amount = p["amount"].to_numpy().astype(np.int64, copy=False)
    cps = (gen == 1) & (p["src_ext"].to_numpy() == 1)  # sourced from an external buyer
    beyond = gen > params.max_generations
    if params.exempt_cps:
        beyond &= ~cps
    total_beyond = int(amount[beyond].sum())
    if not beyond.any() or total_beyond <= params.min_amount:
        return
    gen1 = gen == 1
    cps_only = bool(gen1.any() and cps[gen1].all())
    rec = p["idx"].to_numpy()
    known = rec >= 0
    # per-recipient sums over dense ids: a hash group-by over millions of recipients costs
    # far more; what does not depend on the rule is shared by every rule of the run
    total, rec_total, by_gen = shared(net, "deep_commissions", lambda: (
        int(amount.sum()), sum_by(rec.astype(np.int64), amount, net.n),
        by_generation(gen, amount)), p.height)
    beyond_amt = sum_by(np.where(beyond, rec, -1).astype(np.int64), amount, net.n)
    hit = np.flatnonzero(beyond_amt > params.min_amount)
    hit = hit[np.lexsort((hit, -beyond_amt[hit]))]
    per = pl.DataFrame({"recipient_idx": hit, "beyond_amt": beyond_amt[hit],
                        "total": rec_total[hit]})
    shown = per.head(params.max_findings)
    depth = int(gen.max())
    yield Finding(
        subject=NETWORK,
        message=(
            f"payouts reach generation {depth}, {params.max_generations} allowed; "
            f"{money_text(total_beyond)} paid beyond the limit "
            f"({total_beyond / total:.1%} of all payouts) to {per.height} recipients"
        ),
        evidence={
            "paid_depth": depth,
            "max_generations": params.max_generations,
            **money("amount_beyond", total_beyond),
            "share_beyond": round(total_beyond / total, 4) if total else 0.0,
            "payouts_beyond": int(p["n"].to_numpy()[beyond].sum()),
            "recipients_beyond": per.height,
            "by_generation": by_gen,
            "cps_external_only": cps_only,
            "exempt_cps": params.exempt_cps,
            "not_itemized": max(per.height - shown.height, 0),
            "by_organization": _by_organization(net, per),
        },
    )
    if shown.height == 0:
        return
    wanted = np.zeros(net.n + 1, dtype=bool)  # slot n: unknown recipients
    wanted[shown["recipient_idx"].to_numpy()] = True
    sel = wanted[np.where(known, rec, net.n)]
    rec_sel, gen_sel, amt_sel, beyond_sel = rec[sel], gen[sel], amount[sel], beyond[sel]
    for row in shown.iter_rows(named=True):
        i = int(row["recipient_idx"])
        mine = rec_sel == i
        paid_depth = int(gen_sel[mine & beyond_sel].max())  # the deepest generation beyond
        amt, tot = int(row["beyond_amt"]), int(row["total"])
        yield Finding(
            subject=Subject("agent", net.id_of(i)),
            message=(
                f"agent {net.id_of(i)} received {money_text(amt)} on agents more "
                f"than {params.max_generations} generations below (paid depth "
                f"{paid_depth})"
            ),
            evidence=agent_evidence(
                net, i,
                **money("amount_beyond", amt),
                share_beyond=round(amt / tot, 4) if tot else 0.0,
                paid_depth=paid_depth,
                max_generations=params.max_generations,
                by_generation=by_generation(gen_sel[mine], amt_sel[mine]),
            ),
        )


def _by_organization(net: Network, per: pl.DataFrame) -> list[dict[str, Any]]:
    """Pay beyond the limit per organization (root of the recipient), largest first."""
    rec = per["recipient_idx"].to_numpy()
    g = (
        pl.DataFrame({"root": net.root[rec], "amt": per["beyond_amt"]})
        .filter(pl.col("root") >= 0)
        .group_by("root").agg(pl.col("amt").sum(), pl.len().alias("recipients"))
        .sort(["amt", "root"], descending=[True, False]).head(TOP_ORGS)
    )
    return [
        {"root_id": net.id_of(r), "recipients": int(n), **money("amount_beyond", int(a))}
        for r, a, n in g.select("root", "amt", "recipients").iter_rows()
    ]
