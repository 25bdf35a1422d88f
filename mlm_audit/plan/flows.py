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

    def pay(self, t: int, kind: str, rcpt: I64, src: I64, amount: I64, src_kind: I64) -> None:
        k = PAYOUT_KINDS.index(kind)
        self.payouts.append((np.full(rcpt.size, t), rcpt, src, np.full(rcpt.size, k), amount,
                             src_kind))

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


def write_csv(flows: Flows, out: Path, fee: int) -> dict[str, int]:
    """Write agents.csv, orders.csv, payouts.csv in canonical columns; returns row counts."""
    import polars as pl

    def num(col: str, width: int) -> pl.Expr:
        return (pl.col(col) + 1).cast(pl.String).str.zfill(width)

    def ids(col: str, prefix: str) -> pl.Expr:
        return pl.when(pl.col(col) >= 0).then(prefix + num(col, 7))

    def date(col: str, day: int) -> pl.Expr:
        m = pl.col(col) + (START_MONTH - 1)
        return ((m // 12 + START_YEAR).cast(pl.String) + "-"
                + (m % 12 + 1).cast(pl.String).str.zfill(2) + f"-{day:02d}")

    def money(col: str) -> pl.Expr:
        c = pl.col(col)
        return (c // 100).cast(pl.String) + "." + (c % 100).cast(pl.String).str.zfill(2)

    def order_id(month: str, kind: str, agent: str) -> pl.Expr:
        code = pl.col(kind).replace_strict({1: "R", 2: "K", 3: "S", 4: "F"}, default="R",
                                           return_dtype=pl.String)
        return "O" + num(month, 2) + code + num(agent, 7)

    out.mkdir(parents=True, exist_ok=True)
    agents = pl.DataFrame(flows.agents).with_columns(pl.lit(fee).alias("fee")).select(
        ids("idx", "A").alias("agent_id"),
        ids("parent", "A").alias("sponsor_id"),
        date("joined", 1).alias("joined_at"),
        pl.when(pl.col("quit") >= 0).then(date("quit", 28)).alias("terminated_at"),
        money("fee").alias("fees_paid"),
    )
    retail = pl.col("kind") == 1
    orders = pl.DataFrame(flows.orders).select(
        order_id("month", "kind", "agent").alias("order_id"),
        pl.when(retail).then("C" + num("month", 2) + "-" + num("agent", 7))
        .otherwise(ids("agent", "A")).alias("buyer_id"),
        pl.when(retail).then(ids("agent", "A")).alias("seller_id"),
        money("amount").alias("amount"),
        date("month", 15).alias("ordered_at"),
        pl.col("kind").replace_strict({i + 1: k for i, k in enumerate(ORDER_KINDS)},
                                      return_dtype=pl.String).alias("kind"),
    )
    payouts = pl.DataFrame(flows.payouts).with_row_index("n").select(
        ("P" + num("n", 9)).alias("payout_id"),
        ids("recipient", "A").alias("recipient_id"),
        money("amount").alias("amount"),
        date("month", 28).alias("paid_at"),
        pl.col("kind").replace_strict(dict(enumerate(PAYOUT_KINDS)),
                                      return_dtype=pl.String).alias("kind"),
        ids("source", "A").alias("source_agent_id"),
        pl.when(pl.col("source_kind") > 0)
        .then(order_id("month", "source_kind", "source")).alias("source_order_id"),
    )
    agents.write_csv(out / "agents.csv")
    orders.write_csv(out / "orders.csv")
    payouts.write_csv(out / "payouts.csv")
    return {"agents": agents.height, "orders": orders.height, "payouts": payouts.height}
