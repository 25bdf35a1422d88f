"""Small networks for tests: rows as dicts, canonical frames, preflight, Network."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from mlm_audit import preflight
from mlm_audit.network import Network
from mlm_audit.schema import ORDERS, PAYOUTS, SCHEMAS, Dataset

T0 = dt.datetime(2024, 1, 1)
DATE_COLUMNS = {"joined_at", "terminated_at", "ordered_at", "paid_at"}


def day(n: float) -> dt.datetime:
    """A date ``n`` days after 2024-01-01."""
    return T0 + dt.timedelta(days=n)


def frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A canonical frame holding the columns the rows use; dates may be ISO strings."""
    schema = SCHEMAS[table]
    unknown = {k for r in rows for k in r} - set(schema)
    if unknown:
        raise KeyError(f"{table}: not canonical columns: {sorted(unknown)}")
    cols = [c for c in schema if any(c in r for r in rows)] or [next(iter(schema))]
    data: dict[str, list[Any]] = {}
    for c in cols:
        values = [r.get(c) for r in rows]
        if c in DATE_COLUMNS:
            values = [dt.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]
        data[c] = values
    return pl.DataFrame(data, schema={c: schema[c] for c in cols})


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
        ods = frame("orders", orows) if orows else pl.DataFrame(schema=ORDERS)
    pds = None
    if payouts is not None:
        prow = [{"payout_id": f"P{i + 1}", "paid_at": day(20), "kind": "other", **p}
                for i, p in enumerate(payouts)]
        pds = frame("payouts", prow) if prow else pl.DataFrame(schema=PAYOUTS)
    ds = Dataset.from_frames(frame("agents", arows), ods, pds)
    net, _ = preflight.run(ds)
    return net


def chain(n: int, prefix: str = "A") -> list[tuple[str, str | None]]:
    """A single line ``A1 <- A2 <- ... <- An`` (A1 the root)."""
    return [(f"{prefix}{i}", f"{prefix}{i - 1}" if i > 1 else None) for i in range(1, n + 1)]


def star(n: int, root: str = "R") -> list[tuple[str, str | None]]:
    """A root with ``n`` direct recruits ``R1..Rn``."""
    return [(root, None)] + [(f"{root}{i}", root) for i in range(1, n + 1)]
