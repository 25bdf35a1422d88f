"""The simulated network as canonical agents / orders / payouts, so ``audit`` can judge it.

Orders are one row per participant, month and kind (``starter_kit`` for entry goods, ``fee``
for a gating VIP tier, ``stock_up`` for minimum purchases, ``retail`` for sales to outside
customers, one anonymous customer id per participant and month). Payouts are one row per
recipient, source participant, kind and month, linked to the source order. Ids and dates
are derived from indices and months only, so a seed always writes the same files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from mlm_audit.plan.simulate import _Sim

I64 = npt.NDArray[np.int64]
ORDER_KINDS = ("retail", "starter_kit", "stock_up", "fee")  # code = index + 1
PAYOUT_KINDS = ("retail_commission", "override", "recruitment_bonus", "team_bonus",
                "rank_bonus", "other")
START_YEAR, START_MONTH = 2025, 1


@dataclass
class Flows:
    """Columns of the three tables as numpy arrays (money in minor units)."""

    agents: dict[str, npt.NDArray[np.generic]]
    orders: dict[str, I64]
    payouts: dict[str, I64]


@dataclass
class Recorder:
    orders: list[tuple[I64, ...]] = field(default_factory=list)
    payouts: list[tuple[I64, ...]] = field(default_factory=list)

    def month(self, t: int, new: I64, tier: I64, bought: I64, retail: I64) -> None:
        """Orders of month t; ``tier`` is what joiners paid for a gating VIP tier (the
        plan's joining fee itself goes to ``agents.fees_paid``)."""
        goods_at_join = np.zeros_like(bought)
        goods_at_join[new] = bought[new]
        stock_up = bought - goods_at_join
        for code, amount in ((1, retail), (2, goods_at_join), (3, stock_up), (4, tier)):
            idx = np.flatnonzero(amount > 0)
            self.orders.append((np.full(idx.size, t), idx, np.full(idx.size, code),
                                amount[idx]))

    def pay(self, t: int, kind: str, rcpt: I64, src: I64, amount: I64, src_kind: int) -> None:
        k = PAYOUT_KINDS.index(kind)
        self.payouts.append((np.full(rcpt.size, t), rcpt, src, np.full(rcpt.size, k), amount,
                             np.full(rcpt.size, src_kind)))

    def finish(self, sim: _Sim) -> Flows:
        n = sim.n
        o = _columns(self.orders, 4)
        p = _columns(self.payouts, 6)
        return Flows(
            agents={"idx": np.arange(n), "parent": sim.parent[:n].copy(),
                    "joined": sim.joined[:n].copy(), "quit": sim.quit[:n].copy()},
            orders={"month": o[0], "agent": o[1], "kind": o[2], "amount": o[3]},
            payouts={"month": p[0], "recipient": p[1], "source": p[2], "kind": p[3],
                     "amount": p[4], "source_kind": p[5]},
        )


def _columns(chunks: list[tuple[I64, ...]], width: int) -> list[I64]:
    if not chunks:
        return [np.zeros(0, dtype=np.int64) for _ in range(width)]
    return [np.concatenate(c).astype(np.int64) for c in zip(*chunks, strict=True)]


def _month_date(months: I64, day: int) -> list[str]:
    y = START_YEAR + (START_MONTH - 1 + months) // 12
    mth = (START_MONTH - 1 + months) % 12 + 1
    return [f"{a:04d}-{b:02d}-{day:02d}" for a, b in zip(y.tolist(), mth.tolist(), strict=True)]


def write_csv(flows: Flows, out: Path, fee: int) -> dict[str, int]:
    """Write agents.csv, orders.csv, payouts.csv in canonical columns; returns row counts."""
    import polars as pl

    out.mkdir(parents=True, exist_ok=True)
    a = flows.agents
    aid = pl.Series("i", a["idx"] + 1).cast(pl.String).str.zfill(7)
    agents = pl.DataFrame({
        "agent_id": "A" + aid,
        "sponsor_id": _ids(a["parent"], "A"),
        "joined_at": _month_date(a["joined"], 1),
        "terminated_at": [None if q < 0 else d for q, d in
                          zip(a["quit"].tolist(), _month_date(np.maximum(a["quit"], 0), 28),
                              strict=True)],
        "fees_paid": _money(np.where(a["joined"] >= 0, fee, 0)),
    })
    o = flows.orders
    kind = np.array(ORDER_KINDS)[o["kind"] - 1]
    order_ids = _order_ids(o["month"], o["kind"], o["agent"])
    retail = o["kind"] == 1
    orders = pl.DataFrame({
        "order_id": order_ids,
        "buyer_id": np.where(retail, _ids(o["agent"], "C", o["month"]), _ids(o["agent"], "A")),
        "seller_id": np.where(retail, _ids(o["agent"], "A"), None),
        "amount": _money(o["amount"]),
        "ordered_at": _month_date(o["month"], 15),
        "kind": kind,
    })
    p = flows.payouts
    src_order = np.where(p["source_kind"] > 0,
                         _order_ids(p["month"], np.maximum(p["source_kind"], 1), p["source"]),
                         None)
    payouts = pl.DataFrame({
        "payout_id": _ids(np.arange(p["amount"].size), "P"),
        "recipient_id": _ids(p["recipient"], "A"),
        "amount": _money(p["amount"]),
        "paid_at": _month_date(p["month"], 28),
        "kind": np.array(PAYOUT_KINDS)[p["kind"]],
        "source_agent_id": _ids(p["source"], "A"),
        "source_order_id": src_order,
    })
    agents.write_csv(out / "agents.csv")
    orders.write_csv(out / "orders.csv")
    payouts.write_csv(out / "payouts.csv")
    return {"agents": agents.height, "orders": orders.height, "payouts": payouts.height}


def _ids(idx: I64, prefix: str, month: I64 | None = None) -> npt.NDArray[np.object_]:
    """``A0000001`` for index 0; None for -1. Customers carry the month: ``C03-0000001``."""
    body = np.char.zfill((idx + 1).astype(str), 7)
    if month is not None:
        body = np.char.add(np.char.add(np.char.zfill((month + 1).astype(str), 2), "-"), body)
    out = np.char.add(prefix, body).astype(object)
    out[idx < 0] = None
    return out


def _order_ids(month: I64, kind: I64, agent: I64) -> npt.NDArray[np.object_]:
    code = np.array(["R", "K", "S", "F"])[kind - 1]
    head = np.char.add(np.char.add("O", np.char.zfill((month + 1).astype(str), 2)), code)
    return np.char.add(head, np.char.zfill((agent + 1).astype(str), 7)).astype(object)


def _money(minor: I64) -> object:
    import polars as pl

    m = pl.Series(np.asarray(minor, dtype=np.int64))
    return (m // 100).cast(pl.String) + "." + (m % 100).cast(pl.String).str.zfill(2)
