"""Monte Carlo model of a network growing under a plan in a finite market.

Vectorized over participants, one step per month (numpy; no per-agent Python loop):

1. *Recruit.* In ``propensity`` mode every active participant brings Poisson(p × R/N)
   recruits, R the part of the market of N people not yet in; ``uniform`` attaches each
   joiner to a uniformly random earlier active participant (a random recursive tree);
   ``fixed`` has each participant recruit exactly ``recruits_per_agent`` in the month after
   joining (a full k-ary tree). Recruiting stops when the market is exhausted.
2. *Join.* Joiners pay the plan's entry: fee, mandatory starter kit and first purchase
   (goods, held as stock), and the price of a VIP tier that gates earning (membership).
3. *Buy and sell.* Active participants buy the plan's minimum purchase from their second
   month; each sells Poisson(``retail_demand``) orders at the retail price to outside
   customers, from its own stock first, the company fulfilling the rest.
4. *Pay.* Commissions per generation through ancestor arrays; recruitment bonuses to the
   sponsors of each joiner; team, rank and pool bonuses on subtree volumes. Only active
   participants are paid.
5. *Churn.* Each active participant quits with probability ``churn``; quitters get the
   plan's buy-back on recent stock, or the cooling-off refund in their join month.

Net per participant (regulations.md §5): payouts + retail revenue from own stock + refunds
− fees − goods bought. Stock still held counts as unsold, i.e. lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from mlm_audit.plan.flows import Flows, Recorder
from mlm_audit.plan.schema import PlanModel

I64 = npt.NDArray[np.int64]


class SimParams(BaseModel):
    """Simulation parameters; the defaults are engineering defaults, not calibrated."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    market_size: int = Field(100_000, ge=2, le=50_000_000,
                             description="People who could ever join (N).")
    months: int = Field(36, ge=1, le=600, description="Months simulated.")
    seed: int = Field(0, ge=0, description="Random seed; equal seeds give equal results.")
    propensity: float = Field(0.5, ge=0.0, le=50.0,
                              description="Recruits per active participant per month in an "
                                          "empty market.")
    retail_demand: float = Field(1.0, ge=0.0, le=1000.0,
                                 description="Retail orders per active participant per month.")
    churn: float = Field(0.05, ge=0.0, le=1.0, description="Monthly probability of quitting.")
    founders: int = Field(10, ge=1, le=1_000_000, description="Participants at month 0.")
    attachment: Literal["propensity", "uniform", "fixed"] = "propensity"
    recruits_per_agent: int = Field(2, ge=1, le=1000, description="'fixed' mode: recruits each.")
    saturation: float = Field(0.95, gt=0.0, le=1.0,
                              description="Share of the market that counts as saturated.")


@dataclass
class SimResult:
    params: SimParams
    plan: str
    monthly: list[dict[str, Any]]
    summary: dict[str, Any]
    flows: Flows | None = None
    parent: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _zeros(n: int) -> I64:
    return np.zeros(n, dtype=np.int64)


def simulate(plan: PlanModel, params: SimParams, record: bool = False) -> SimResult:
    return _Sim(plan, params, record).run()


class _Sim:
    def __init__(self, plan: PlanModel, p: SimParams, record: bool) -> None:
        from mlm_audit.plan.terms import entry_components, gate_tier

        self.m, self.p = plan, p
        self.rng = np.random.default_rng(p.seed)
        n = p.market_size
        self.parent = np.full(n, -1, dtype=np.int64)
        self.level = np.zeros(n, dtype=np.int64)
        self.joined = np.full(n, -1, dtype=np.int64)
        self.quit = np.full(n, -1, dtype=np.int64)
        self.active = np.zeros(n, dtype=bool)
        self.recruits = np.zeros(n, dtype=np.int64)
        self.n = 0
        gens = [lv.generation for lv in plan.commissions if lv.generation > 0 and lv.rate > 0]
        gens += [b.generations or b.from_generation for b in plan.bonuses
                 if b.kind == "recruitment"]
        self.depth = max(gens, default=0)
        self.anc = np.full((self.depth, n), -1, dtype=np.int64)
        # money per participant, minor units: received, paid as fees, goods bought, revenue
        # from selling own stock, refunds; stock on hand and goods sold at cost
        self.paid, self.fees, self.goods = _zeros(n), _zeros(n), _zeros(n)
        self.retail_rev, self.refunds = _zeros(n), _zeros(n)
        self.stock, self.sold = _zeros(n), _zeros(n)
        entry = entry_components(plan)
        self.fee = entry.get("join.fee", 0)
        tier = gate_tier(plan)
        self.tier = tier[1] if tier else 0
        self.entry_goods = entry.get("join.starter_kit", 0) + entry.get("join.first_purchase", 0)
        mp = plan.inventory.min_purchase
        div = {"month": 1, "quarter": 3, "year": 12}
        self.min_purchase = mp.amount // div[mp.period] if mp else 0
        self.retail = plan.product.retail_price
        self.wholesale = int(round(self.retail * (1 - plan.product.agent_discount)))
        bb = plan.inventory.buyback
        self.bb_months = min(max(1, -(-bb.window_days // 30)), p.months) if bb else 0
        self.recent = np.zeros((max(self.bb_months, 1), n), dtype=np.int64) if bb else None
        self.rec = Recorder() if record else None
        self.needs_tree = any(b.kind == "team" and not b.generations for b in plan.bonuses) or \
            any(r.basis == "team_volume" or r.qualify.team_size or r.qualify.team_volume
                for r in plan.ranks)

    # -- growth -------------------------------------------------------------------------
    def _add(self, parents: I64, t: int) -> I64:
        start, k = self.n, parents.size
        new = np.arange(start, start + k, dtype=np.int64)
        self.n += k
        self.parent[new] = parents
        self.joined[new] = t
        self.active[new] = True
        # A joiner may hang below an earlier joiner of the same batch ('uniform' mode): fill
        # levels and ancestors in waves, each wave's parents already placed.
        pending = np.ones(k, dtype=bool)
        while pending.any():
            ready = pending & ((parents < start) | ~pending[np.maximum(parents - start, 0)])
            idx, par = new[ready], parents[ready]
            has = par >= 0
            self.level[idx] = np.where(has, self.level[np.maximum(par, 0)] + 1, 1)
            if self.depth:
                self.anc[0, idx] = par
                for g in range(1, self.depth):
                    up = self.anc[g - 1, idx]
                    self.anc[g, idx] = np.where(up >= 0, self.anc[0, np.maximum(up, 0)], -1)
            pending &= ~ready
        has = parents >= 0
        if has.any():
            self.recruits += np.bincount(parents[has], minlength=self.recruits.size)
        return new

    def _recruiters(self, t: int) -> I64:
        p, room = self.p, self.p.market_size - self.n
        act = np.flatnonzero(self.active[: self.n])
        if room <= 0 or act.size == 0:
            return np.zeros(0, dtype=np.int64)
        if p.attachment == "fixed":
            fresh = act[self.joined[act] == t - 1]
            return np.repeat(fresh, p.recruits_per_agent)[:room]
        lam = p.propensity * room / p.market_size
        if p.attachment == "uniform":
            k = min(room, int(self.rng.poisson(lam * act.size)))
            # joiner j picks uniformly among the a active participants and the j joiners
            # before it this month: a random recursive tree on the active population
            pick = np.floor(self.rng.random(k) * (act.size + np.arange(k))).astype(np.int64)
            pool = np.concatenate([act, np.arange(self.n, self.n + k, dtype=np.int64)])
            return pool[pick]
        counts = self.rng.poisson(lam, act.size)
        out = np.repeat(act, counts)
        if out.size > room:
            out = np.sort(self.rng.choice(out, room, replace=False))
        return out

    # -- one month ----------------------------------------------------------------------
    def step(self, t: int) -> dict[str, Any]:
        from mlm_audit.plan.payouts import pay_month

        new = self._add(np.full(self.p.founders, -1, dtype=np.int64), t) if t == 0 else \
            np.zeros(0, dtype=np.int64)
        recruiters = self._recruiters(t)
        if self.m.recruitment.by == "company":
            recruiters = np.full(recruiters.size, -1, dtype=np.int64)  # all hired by the company
        if recruiters.size:
            new = np.concatenate([new, self._add(recruiters, t)])
        n = self.n
        act = np.flatnonzero(self.active[:n])
        fee_paid = np.zeros(n, dtype=np.int64)
        fee_paid[new] = self.fee + self.tier
        bought = np.zeros(n, dtype=np.int64)
        bought[new] = self.entry_goods
        old = act[self.joined[act] < t]
        bought[old] += self.min_purchase
        self.fees[:n] += fee_paid
        self.goods[:n] += bought
        self.stock[:n] += bought
        if self.recent is not None:
            self.recent[t % self.bb_months, :n] = bought
        units = np.zeros(n, dtype=np.int64)
        units[act] = self.rng.poisson(self.p.retail_demand, act.size)
        cost = units * self.wholesale
        drawn = np.minimum(self.stock[:n], cost)
        self.stock[:n] -= drawn
        from_stock = drawn * self.retail // max(self.wholesale, 1) if self.wholesale else \
            np.zeros(n, dtype=np.int64)
        retail_value = units * self.retail
        self.retail_rev[:n] += from_stock
        self.sold[:n] += drawn
        company_retail = int(retail_value.sum() - from_stock.sum())
        rev_participants = int(fee_paid.sum() + bought.sum())
        # purchases that downline_purchases commissions pay on: goods and a gating tier
        # bought with money (not the plain joining fee)
        purchases = bought.copy()
        purchases[new] += self.tier
        paid = pay_month(self, t, new, retail_value, purchases, drawn,
                         company_retail + rev_participants)
        self.paid[:n] += paid
        quits = act[self.rng.random(act.size) < self.p.churn]
        refunds = self._refund(quits, t)
        self.active[quits] = False
        self.quit[quits] = t
        if self.rec is not None:
            tier = np.zeros(n, dtype=np.int64)
            tier[new] = self.tier
            self.rec.month(t, new, tier, bought, retail_value)
        return self._month_row(t, new, quits, company_retail, rev_participants,
                               int(paid.sum()), refunds)

    def _refund(self, quits: I64, t: int) -> int:
        if quits.size == 0:
            return 0
        refund = np.zeros(quits.size, dtype=np.int64)
        co = self.m.cooling_off
        if co is not None and co.days > 0:
            first = self.joined[quits] == t
            entry = self.fees[quits] + self.goods[quits]
            refund = np.where(first, (entry * co.refund).astype(np.int64), 0)
            self.stock[quits[first]] = 0
        bb = self.m.inventory.buyback
        if bb is not None and self.recent is not None:
            window = self.recent[:, quits].sum(axis=0)
            held = np.minimum(self.stock[quits], window)
            refund += np.where(refund == 0, (held * bb.rate).astype(np.int64), 0)
        self.stock[quits] = 0
        self.refunds[quits] += refund
        return int(refund.sum())

    def net(self) -> I64:
        n = self.n
        return (self.paid[:n] + self.retail_rev[:n] + self.refunds[:n]
                - self.fees[:n] - self.goods[:n])

    def _month_row(self, t: int, new: I64, quits: I64, ext: int, part: int, paid: int,
                   refunds: int) -> dict[str, Any]:
        net = self.net()
        act = self.active[: self.n]
        n_act = int(act.sum())
        return {
            "month": t + 1, "participants": self.n, "active": n_act, "joined": int(new.size),
            "quit": int(quits.size), "depth": int(self.level[: self.n].max()),
            "revenue_external": ext, "revenue_participants": part, "payouts": paid,
            "refunds": refunds,
            "loss_share": round(float((net < 0).mean()), 6),
            "loss_share_active": round(float((net[act] < 0).mean()), 6) if n_act else 0.0,
        }

    def run(self) -> SimResult:
        from mlm_audit.plan.summary import summarize

        monthly = [self.step(t) for t in range(self.p.months)]
        summary = summarize(self, monthly)
        flows = self.rec.finish(self) if self.rec is not None else None
        return SimResult(self.p, self.m.plan, monthly, summary, flows, self.parent[: self.n])
