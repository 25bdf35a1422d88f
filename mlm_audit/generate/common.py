"""Shared machinery for synthetic scenarios: trees, clocks, chunked writing.

Everything is numpy-vectorized. Agents are generated whole (a few arrays of n); orders and
payouts are generated per chunk of ``CHUNK`` agents and written as they come, so memory
stays bounded at 10M agents / 100M orders. Every chunk draws from its own generator seeded
by ``(seed, chunk number)``: the output depends only on the arguments, never on timing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics import tree
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
CHUNK = 500_000  # agents per order/payout chunk (fixed: the output must not depend on it)
CHUNK_ORDERS = 20_000_000  # orders per chunk at most: many orders per agent, smaller chunks


def chunk_agents(orders_per_agent: float) -> int:
    """Agents per chunk: CHUNK, fewer when agents order so much that a chunk of CHUNK
    agents would not fit in memory. Depends only on the arguments, so output stays
    deterministic (and unchanged for up to 40 orders per agent)."""
    return int(min(CHUNK, max(10_000, CHUNK_ORDERS // max(1.0, orders_per_agent))))
DAY = 86_400
SETTLE_DAYS = 182  # commissions settled half-yearly: bounds payout rows per agent
OK = {k: i for i, k in enumerate(ORDER_KINDS)}
PK = {k: i for i, k in enumerate(PAYOUT_KINDS)}
Progress = Callable[[str, int, int], None]


@dataclass
class Spec:
    n: int
    seed: int
    orders_per_agent: float = 10.0
    start: dt.date = dt.date(2024, 1, 1)
    months: int = 18

    @property
    def t0(self) -> int:
        return int(dt.datetime(self.start.year, self.start.month, self.start.day,
                               tzinfo=dt.timezone.utc).timestamp())

    @property
    def t1(self) -> int:
        return self.t0 + int(self.months * 30.44 * DAY)


@dataclass
class Agents:
    """The whole agent table as arrays (index = dense id; agent i is ``A{i+1}``)."""

    parent: I32
    joined: I64
    terminated: I64  # -1 = still active
    fees: I64
    rank: list[str] | None = None
    rank_code: npt.NDArray[np.int8] | None = None
    level: I32 = field(init=False)

    def __post_init__(self) -> None:
        self.level = tree.levels(self.parent)[0]

    @property
    def n(self) -> int:
        return int(self.parent.shape[0])


@dataclass
class Block:
    """Orders and payouts of one chunk, as integer arrays (ids are dense numbers)."""

    o_buyer: I64  # agent index, or -1 when the buyer is an external customer
    o_cust: I64  # customer number where o_buyer == -1
    o_seller: I64  # agent index, -1 = the company
    o_amount: I64  # minor units
    o_time: I64  # epoch seconds
    o_kind: npt.NDArray[np.int8]
    o_returned: I64
    p_recipient: I64
    p_amount: I64
    p_time: I64
    p_kind: npt.NDArray[np.int8]
    p_source: I64  # agent index or -1
    p_order: I64  # order number (global, 0-based) or -1


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


# -- trees --------------------------------------------------------------------------------
def tree_uniform(n: int, rng: np.random.Generator, roots: int = 1) -> I32:
    """Random recursive tree: each newcomer picks a sponsor uniformly among earlier agents.
    Depth grows like e·ln(n)."""
    u = rng.random(n)
    parent = np.floor(u * np.arange(n)).astype(np.int32)
    parent[: max(roots, 1)] = -1
    return parent


def tree_capped(n: int, rng: np.random.Generator, shares: list[float]) -> I32:
    """Tree of at most ``len(shares)`` levels; ``shares[k]`` is the share of agents at level
    k+1. Each agent's sponsor is a uniformly chosen earlier agent of the level above."""
    target = rng.choice(len(shares), size=n, p=np.asarray(shares) / sum(shares)).astype(np.int32)
    target[0] = 0
    parent = np.full(n, -1, dtype=np.int32)
    for lv in range(1, len(shares)):
        above = np.flatnonzero(target == lv - 1)
        mine = np.flatnonzero(target == lv)
        earlier = np.searchsorted(above, mine)  # agents of the level above who joined before
        ok = earlier > 0
        pick = np.floor(rng.random(mine.size) * earlier).astype(np.int64)
        parent[mine[ok]] = above[pick[ok]]
        target[mine[~ok]] = 0  # nobody above yet: starts its own organization
    return parent


def join_times(spec: Spec, rng: np.random.Generator) -> I64:
    """Sorted join times over the first 85% of the period (index order = join order, so a
    sponsor always joined before its recruits)."""
    span = int((spec.t1 - spec.t0) * 0.85)
    return spec.t0 + np.sort(rng.integers(0, span, size=spec.n, dtype=np.int64))


def terminations(spec: Spec, joined: I64, rng: np.random.Generator, share: float) -> I64:
    out = np.full(joined.shape[0], -1, dtype=np.int64)
    hit = rng.random(joined.shape[0]) < share
    frac = rng.uniform(0.3, 0.95, int(np.count_nonzero(hit)))
    out[hit] = joined[hit] + ((spec.t1 - joined[hit]) * frac).astype(np.int64)
    return out


# -- orders -------------------------------------------------------------------------------
def order_owners(agents: Agents, lo: int, hi: int, per_agent: float,
                 rng: np.random.Generator) -> I64:
    """Agent index of every order of agents ``lo..hi`` (repeated by a Poisson count)."""
    counts = rng.poisson(per_agent, size=hi - lo)
    return np.repeat(np.arange(lo, hi, dtype=np.int64), counts)


def times_after_join(spec: Spec, agents: Agents, who: I64, rng: np.random.Generator) -> I64:
    """Uniform times between the agent's join and the end (or its termination)."""
    start = agents.joined[who]
    end = np.where(agents.terminated[who] >= 0, agents.terminated[who], spec.t1)
    return start + ((end - start) * rng.random(who.size)).astype(np.int64)


def amounts(rng: np.random.Generator, size: int, median_major: float, sigma: float = 0.5
            ) -> I64:
    """Log-normal prices in minor units, rounded to whole yuan/jiao like real price lists."""
    v = rng.lognormal(np.log(median_major), sigma, size)
    return (np.maximum(np.round(v, 1), 1.0) * 100).astype(np.int64)


def settle(recipient: I64, source: I64, t: I64, value: I64, kind: str, spec: Spec,
           days: int = SETTLE_DAYS) -> dict[str, I64]:
    """Aggregate per (recipient, source agent, settlement period); paid after period end."""
    ok = (recipient >= 0) & (value > 0)
    recipient, source, t, value = recipient[ok], source[ok], t[ok], value[ok]
    period = (t - spec.t0) // (days * DAY)
    order = np.lexsort((period, recipient, source))
    r, s, p = recipient[order], source[order], period[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (s[1:] != s[:-1]) | (p[1:] != p[:-1])
    starts = np.flatnonzero(first)
    sums = np.add.reduceat(value[order], starts) if starts.size else value[:0]
    paid = np.minimum(spec.t0 + (p[starts] + 1) * days * DAY, spec.t1) + 3 * DAY
    m = starts.size
    return {"p_recipient": r[starts], "p_amount": sums.astype(np.int64), "p_time": paid,
            "p_kind": np.full(m, PK[kind], np.int8), "p_source": s[starts],
            "p_order": np.full(m, -1, np.int64)}


def concat_payouts(parts: list[dict[str, I64]]) -> dict[str, Any]:
    keys = ("p_recipient", "p_amount", "p_time", "p_kind", "p_source", "p_order")
    if not parts:
        return {k: np.zeros(0, np.int8 if k == "p_kind" else np.int64) for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


# -- writing ------------------------------------------------------------------------------
def _agent_id(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c >= 0).then(pl.format("A{}", c + 1)).otherwise(None)


def _money(col: str) -> pl.Expr:
    c = pl.col(col)
    sign = pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    a = c.abs()
    return pl.concat_str(sign, (a // 100).cast(pl.String), pl.lit("."),
                         (a % 100).cast(pl.String).str.zfill(2))


def _ts(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c >= 0).then(pl.from_epoch(c, "s").dt.strftime("%Y-%m-%d %H:%M:%S"))


def agents_frame(a: Agents, lo: int, hi: int) -> pl.DataFrame:
    df = pl.DataFrame({
        "i": np.arange(lo, hi, dtype=np.int64), "p": a.parent[lo:hi].astype(np.int64),
        "j": a.joined[lo:hi], "t": a.terminated[lo:hi], "f": a.fees[lo:hi],
    })
    cols = [_agent_id("i").alias("agent_id"), _agent_id("p").alias("sponsor_id"),
            _ts("j").alias("joined_at")]
    if a.rank is not None and a.rank_code is not None:
        df = df.with_columns(pl.Series("r", a.rank_code[lo:hi]))
        cols.append(pl.col("r").replace_strict(list(range(len(a.rank))), a.rank,
                                               return_dtype=pl.String).alias("rank"))
    cols += [_ts("t").alias("terminated_at"), _money("f").alias("fees_paid")]
    return df.select(cols)


def orders_frame(b: Block, first_no: int) -> pl.DataFrame:
    df = pl.DataFrame({"no": np.arange(first_no, first_no + b.o_buyer.size, dtype=np.int64),
                       "b": b.o_buyer, "c": b.o_cust, "s": b.o_seller, "a": b.o_amount,
                       "t": b.o_time, "k": b.o_kind, "r": b.o_returned})
    buyer = pl.when(pl.col("b") >= 0).then(_agent_id("b")).otherwise(
        pl.format("C{}", pl.col("c") + 1))
    return df.select(
        pl.format("O{}", pl.col("no") + 1).alias("order_id"), buyer.alias("buyer_id"),
        _agent_id("s").alias("seller_id"), _money("a").alias("amount"),
        _ts("t").alias("ordered_at"),
        pl.col("k").replace_strict(list(OK.values()), list(OK), return_dtype=pl.String)
        .alias("kind"),
        _money("r").alias("returned_amount"),
    )


def payouts_frame(b: Block, first_no: int, order_base: int) -> pl.DataFrame:
    df = pl.DataFrame({"no": np.arange(first_no, first_no + b.p_recipient.size, dtype=np.int64),
                       "r": b.p_recipient, "a": b.p_amount, "t": b.p_time, "k": b.p_kind,
                       "s": b.p_source, "o": b.p_order})
    src_order = pl.when(pl.col("o") >= 0).then(pl.format("O{}", pl.col("o") + order_base + 1))
    return df.select(
        pl.format("P{}", pl.col("no") + 1).alias("payout_id"), _agent_id("r").alias("recipient_id"),
        _money("a").alias("amount"), _ts("t").alias("paid_at"),
        pl.col("k").replace_strict(list(PK.values()), list(PK), return_dtype=pl.String)
        .alias("kind"),
        _agent_id("s").alias("source_agent_id"), src_order.alias("source_order_id"),
    )


MONEY_COLS = ("amount", "returned_amount", "fees_paid")
TIME_COLS = ("joined_at", "terminated_at", "ordered_at", "paid_at")


def _typed(df: pl.DataFrame) -> pl.DataFrame:
    """Parquet carries types: money as exact decimals, times as timestamps."""
    return df.with_columns(
        [pl.col(c).cast(pl.Decimal(18, 2)) for c in MONEY_COLS if c in df.columns]
        + [pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us")
           for c in TIME_COLS if c in df.columns])


class TableWriter:
    """Append chunks to one CSV or Parquet file."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self._fh: Any = None
        self._pq: Any = None

    def write(self, df: pl.DataFrame) -> None:
        if self.fmt == "csv":
            if self._fh is None:
                self._fh = self.path.open("wb")
                df.write_csv(self._fh, include_header=True)
            else:
                df.write_csv(self._fh, include_header=False)
            return
        import pyarrow.parquet as pq

        table = _typed(df).to_arrow()
        if self._pq is None:
            self._pq = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._pq.write_table(table)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()


def order_part(buyer: I64, seller: I64, amount: I64, t: I64, kind: str,
               cust: I64 | None = None, returned: I64 | None = None) -> dict[str, Any]:
    m = buyer.size
    return {"o_buyer": buyer, "o_cust": cust if cust is not None else np.full(m, -1, np.int64),
            "o_seller": seller, "o_amount": amount, "o_time": t,
            "o_kind": np.full(m, OK[kind], np.int8),
            "o_returned": returned if returned is not None else np.zeros(m, np.int64)}


def external(rng: np.random.Generator, size: int, n: int) -> tuple[I64, I64]:
    """External customer buyers: buyer index -1 and customer numbers from a pool of 3n."""
    return np.full(size, -1, np.int64), rng.integers(0, 3 * max(n, 1), size, dtype=np.int64)


def make_block(orders: list[dict[str, Any]], payouts: list[dict[str, Any]]) -> Block:
    keys = ("o_buyer", "o_cust", "o_seller", "o_amount", "o_time", "o_kind", "o_returned")
    cols = {k: np.concatenate([o[k] for o in orders]) for k in keys}
    return Block(**cols, **concat_payouts(payouts))


def returns(rng: np.random.Generator, amount: I64, share: float) -> I64:
    return np.where(rng.random(amount.size) < share, amount, 0).astype(np.int64)


def upline(agents: Agents, who: I64, k: int) -> I64:
    anc = who.astype(np.int64)
    for _ in range(k):
        anc = np.where(anc >= 0, agents.parent[np.maximum(anc, 0)], -1).astype(np.int64)
    return anc
