"""One month of a plan's payouts over the simulated network, vectorized.

Commissions reach generation g through the ancestor arrays (``anc[g-1]``, like
``Network.ancestor_at``); team volumes and team sizes are subtree sums, bottom-up one tree
level at a time. Amounts are floored to whole minor units per payout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from mlm_audit.plan.simulate import _Sim

I64 = npt.NDArray[np.int64]

# source-order codes shared with flows.py (order kinds: retail, starter_kit, stock_up, fee)
SRC_NONE, SRC_RETAIL, SRC_ENTRY, SRC_STOCK, SRC_FEE = 0, 1, 2, 3, 4


def subtree_sum(sim: _Sim, values: I64) -> I64:
    """Sum of ``values`` over each participant's downline, the participant included."""
    n = sim.n
    out = values.copy()
    level = sim.level[:n].astype(np.int16)  # small ints sort by radix: fast
    order = np.argsort(level, kind="stable")
    bounds = np.searchsorted(level[order], np.arange(int(level.max()) + 2))
    parent = sim.parent[:n]
    for lv in range(len(bounds) - 2, 1, -1):
        nodes = order[bounds[lv]:bounds[lv + 1]]
        if nodes.size:
            np.add.at(out, parent[nodes], out[nodes])
    return out


def _rank_of(sim: _Sim, retail: I64, bought: I64, team_volume: I64, team_size: I64) -> I64:
    """Highest rank qualified this month (index into plan.ranks; -1 = none)."""
    n = sim.n
    rank = np.full(n, -1, dtype=np.int64)
    for i, r in enumerate(sim.m.ranks):
        q = r.qualify
        ok = ((sim.recruits[:n] >= q.recruits) & (team_size >= q.team_size)
              & (bought >= q.personal_purchase) & (team_volume >= q.team_volume)
              & (retail >= q.personal_retail))
        rank[ok] = i
    return rank


def pay_month(sim: _Sim, t: int, new: I64, retail: I64, bought: I64, drawn: I64,
              revenue: int) -> I64:
    """Payouts of month ``t`` per participant; recorded with their sources if asked."""
    m, n = sim.m, sim.n
    paid = np.zeros(n, dtype=np.int64)
    active = sim.active[:n]
    eligible = active.copy()
    rule = m.inventory.resale_rule
    if rule is not None:  # an enforced resale rule withholds pay on others' activity
        eligible &= drawn >= (rule * bought).astype(np.int64)
    # what a joiner's money is recorded as: starter-kit goods, else a gating tier's fee order
    entry_src = SRC_ENTRY if sim.entry_goods else SRC_FEE if sim.tier else SRC_NONE

    def give(kind: str, rcpt: I64, src: I64, amount: I64, src_kind: int | I64) -> None:
        ok = (rcpt >= 0) & (amount > 0)
        ok[ok] &= eligible[rcpt[ok]]
        rcpt, src, amount = rcpt[ok], src[ok], amount[ok]
        paid[:] += np.bincount(rcpt, weights=amount, minlength=n).astype(np.int64)
        if sim.rec is not None:
            kinds = np.broadcast_to(np.asarray(src_kind, dtype=np.int64), ok.shape)[ok]
            sim.rec.pay(t, kind, rcpt, src, amount, kinds)

    for lv in m.commissions:
        if lv.rate <= 0:
            continue
        vol = bought if lv.basis == "downline_purchases" else retail
        src = np.flatnonzero(vol > 0)
        amount = (vol[src] * lv.rate).astype(np.int64)
        if lv.generation == 0:
            give("retail_commission", src, src, amount, SRC_RETAIL)
        else:
            src_kind: int | I64 = SRC_RETAIL
            if lv.basis == "downline_purchases":  # a joiner's purchases are its entry orders
                src_kind = np.where(sim.joined[src] == t, entry_src, SRC_STOCK)
            give("override", sim.anc[lv.generation - 1, src], src, amount, src_kind)
    entry = sim.fee + sim.tier + sim.entry_goods
    for b in m.bonuses:
        if b.kind != "recruitment" or new.size == 0:
            continue
        amount = np.full(new.size, b.amount + int(b.rate * entry), dtype=np.int64)
        for g in range(b.from_generation, (b.generations or b.from_generation) + 1):
            give("recruitment_bonus", sim.anc[g - 1, new], new, amount, entry_src)

    volume = retail + bought
    if sim.needs_tree or any(b.kind == "team" for b in m.bonuses):
        team_volume = _team_volume(sim, volume, None)
        team_size = subtree_sum(sim, np.ones(n, dtype=np.int64)) - 1
    else:
        team_volume = team_size = np.zeros(n, dtype=np.int64)
    rank = _rank_of(sim, retail, bought, team_volume, team_size)
    names = [r.name for r in m.ranks]
    everyone = np.arange(n, dtype=np.int64)
    none = np.full(n, -1, dtype=np.int64)
    for i, r in enumerate(m.ranks):
        if r.bonus_rate > 0:
            base = retail if r.basis == "own_retail" else team_volume
            amt = np.where(rank == i, (base * r.bonus_rate).astype(np.int64), 0)
            give("rank_bonus", everyone, none, amt, SRC_NONE)
    for b in m.bonuses:
        if b.kind == "recruitment":
            continue
        qualified = active & (rank >= names.index(b.rank) if b.rank else True)
        if b.kind == "pool":
            k = int(qualified.sum())
            share = (int(revenue * b.rate) + b.amount) // k if k else 0
            give("other", everyone, none, np.where(qualified, share, 0), SRC_NONE)
            continue
        if b.kind == "team":
            base = team_volume if not b.generations else _team_volume(sim, volume, b.generations)
        else:  # a rank bonus given as a bonus: on team volume or own retail
            base = retail if b.basis == "own_retail" else team_volume
        kind = "team_bonus" if b.kind == "team" else "rank_bonus"
        amt = np.where(qualified, (base * b.rate).astype(np.int64) + b.amount, 0)
        give(kind, everyone, none, amt, SRC_NONE)
    return paid


def _team_volume(sim: _Sim, volume: I64, generations: int | None) -> I64:
    if generations is None or generations > sim.depth:
        return subtree_sum(sim, volume) - volume
    out = np.zeros(sim.n, dtype=np.int64)
    src = np.flatnonzero(volume > 0)
    for g in range(generations):
        up = sim.anc[g, src]
        ok = up >= 0
        out += np.bincount(up[ok], weights=volume[src][ok], minlength=sim.n).astype(np.int64)
    return out
