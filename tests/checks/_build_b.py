"""Small networks for check tests: rows as dicts, canonical frames, preflight, Network."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from mlm_audit import preflight
from mlm_audit.network import Network
from mlm_audit.schema import AGENTS, ORDERS, PAYOUTS, Dataset

T0 = dt.datetime(2024, 1, 1)


def day(n: int) -> dt.datetime:
    """A date ``n`` days after 2024-01-01."""
    return T0 + dt.timedelta(days=n)


def _frame(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    cols = sorted({k for r in rows for k in r}, key=list(schema).index)
    return pl.DataFrame([{c: r.get(c) for c in cols} for r in rows],
                        schema={c: schema[c] for c in cols}, orient="row")


def build(
    agents: list[dict[str, Any]] | list[tuple[str, str | None]],
    orders: list[dict[str, Any]] | None = None,
    payouts: list[dict[str, Any]] | None = None,
) -> Network:
    """Agents as ``(id, sponsor)`` pairs or dicts; orders/payouts as dicts of canonical
    columns (ids filled in when missing). ``None`` tables are absent from the dataset."""
    arows = [a if isinstance(a, dict) else {"agent_id": a[0], "sponsor_id": a[1]}
             for a in agents]
    for r in arows:
        r.setdefault("joined_at", T0)
    ods = None
    if orders is not None:
        orows = [{"order_id": f"O{i + 1}", "ordered_at": day(10), "kind": "retail", **o}
                 for i, o in enumerate(orders)]
        ods = _frame(orows, ORDERS) if orows else pl.DataFrame(schema=ORDERS)
    pds = None
    if payouts is not None:
        prow = [{"payout_id": f"P{i + 1}", "paid_at": day(20), "kind": "other", **p}
                for i, p in enumerate(payouts)]
        pds = _frame(prow, PAYOUTS) if prow else pl.DataFrame(schema=PAYOUTS)
    ds = Dataset.from_frames(_frame(arows, AGENTS), ods, pds)
    net, _ = preflight.run(ds)
    return net


def chain(n: int, prefix: str = "A") -> list[tuple[str, str | None]]:
    """A single line ``A1 <- A2 <- ... <- An`` (A1 the root)."""
    return [(f"{prefix}{i}", f"{prefix}{i - 1}" if i > 1 else None) for i in range(1, n + 1)]


def star(n: int, root: str = "R") -> list[tuple[str, str | None]]:
    """A root with ``n`` direct recruits ``R1..Rn``."""
    return [(root, None)] + [(f"{root}{i}", root) for i in range(1, n + 1)]
