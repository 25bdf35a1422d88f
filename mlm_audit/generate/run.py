"""Drive a scenario: agents whole, then orders and payouts chunk by chunk, written as they
come; ``scenario.json`` records what was planted."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from mlm_audit.generate import cps, pyramid, retail, stocking
from mlm_audit.generate.common import (
    OK,
    Agents,
    Progress,
    Spec,
    TableWriter,
    agents_frame,
    chunk_agents,
    orders_frame,
    payouts_frame,
    rng_for,
)

SCENARIOS: dict[str, ModuleType] = {
    "retail": retail, "cps": cps, "pyramid": pyramid, "stocking": stocking,
}
FORMATS = ("csv", "parquet")


class Stats:
    """Per-agent totals accumulated over chunks (for what ``scenario.json`` reports)."""

    def __init__(self, n: int) -> None:
        self.entry = np.zeros(n, np.int64)
        self.stock = np.zeros(n, np.int64)
        self.sold = np.zeros(n, np.int64)
        self.paid = np.zeros(n, np.int64)

    def add(self, b: Any) -> None:
        n = self.entry.size
        is_agent = b.o_buyer >= 0
        kit = is_agent & ((b.o_kind == OK["starter_kit"]) | (b.o_kind == OK["fee"]))
        stock = is_agent & (b.o_kind == OK["stock_up"])
        self.entry += np.bincount(b.o_buyer[kit], b.o_amount[kit], n).astype(np.int64)
        self.stock += np.bincount(b.o_buyer[stock], b.o_amount[stock], n).astype(np.int64)
        sel = b.o_seller >= 0
        self.sold += np.bincount(b.o_seller[sel], (b.o_amount - b.o_returned)[sel], n
                                 ).astype(np.int64)
        self.paid += np.bincount(b.p_recipient, b.p_amount, n).astype(np.int64)

    def net(self, agents: Agents) -> np.ndarray:
        return self.paid - self.entry - agents.fees - np.maximum(self.stock - self.sold, 0)


def generate(scenario: str, spec: Spec, out: Path, fmt: str = "csv",
             progress: Progress | None = None) -> dict[str, Any]:
    """Write agents/orders/payouts and scenario.json under ``out``; returns the summary."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of "
                         f"{', '.join(sorted(SCENARIOS))}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected csv or parquet")
    mod = SCENARIOS[scenario]
    out.mkdir(parents=True, exist_ok=True)
    agents: Agents = mod.build(spec, rng_for(spec.seed, 0))
    n = agents.n
    writers = {t: TableWriter(out / f"{t}.{fmt}", fmt) for t in ("agents", "orders", "payouts")}
    stats = Stats(n)
    n_orders = n_payouts = 0
    try:
        chunk = chunk_agents(spec.orders_per_agent)
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            writers["agents"].write(agents_frame(agents, lo, hi))
            b = mod.block(spec, agents, lo, hi, rng_for(spec.seed, 1, lo // chunk))
            stats.add(b)
            writers["orders"].write(orders_frame(b, n_orders))
            writers["payouts"].write(payouts_frame(b, n_payouts, n_orders))
            n_orders += b.o_buyer.size
            n_payouts += b.p_recipient.size
            if progress:
                progress("generating", hi, n)
    finally:
        for w in writers.values():
            w.close()
    net = stats.net(agents)
    summary: dict[str, Any] = {
        "scenario": scenario, "description": (mod.__doc__ or "").strip().splitlines()[0],
        "seed": spec.seed, "agents": n, "orders": n_orders, "payouts": n_payouts,
        "format": fmt, "start": spec.start.isoformat(), "months": spec.months,
        "orders_per_agent": spec.orders_per_agent,
        "max_level": int(agents.level.max()) if n else 0,
        "roots": int((agents.parent < 0).sum()),
        "share_net_negative": round(float((net < 0).mean()), 4) if n else 0.0,
        "planted": mod.planted(spec, agents, stats),
    }
    (out / "scenario.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False,
                                                  sort_keys=True) + "\n", encoding="utf-8")
    return summary
