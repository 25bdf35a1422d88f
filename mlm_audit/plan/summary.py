"""End-of-run figures of a simulation (regulations.md §5 profit metric)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from mlm_audit.plan.simulate import _Sim


def summarize(sim: _Sim, monthly: list[dict[str, Any]]) -> dict[str, Any]:
    n = sim.n
    net = sim.net()
    active = sim.active[:n]
    paid = sim.paid[:n]
    income = np.sort(paid)[::-1]
    top = max(1, int(np.ceil(n * 0.01)))
    total_paid = int(paid.sum())
    ext = sum(r["revenue_external"] for r in monthly)
    part = sum(r["revenue_participants"] for r in monthly)
    target = sim.p.saturation * sim.p.market_size
    saturated = next((r["month"] for r in monthly if r["participants"] >= target), None)
    return {
        "participants": n,
        "active": int(active.sum()),
        "market_size": sim.p.market_size,
        "market_share": round(n / sim.p.market_size, 6),
        "depth": int(sim.level[:n].max()) if n else 0,
        "months_to_saturation": saturated,
        "share_no_recruits": round(float((sim.recruits[:n] == 0).mean()), 6),
        "loss_share": round(float((net < 0).mean()), 6),
        "loss_share_active": round(float((net[active] < 0).mean()), 6) if active.any() else 0.0,
        "median_net": int(np.median(net)),
        "median_income": int(np.median(paid)),
        "top1_income_share": round(int(income[:top].sum()) / total_paid, 6) if total_paid
        else 0.0,
        "share_with_no_income": round(float((paid == 0).mean()), 6),
        "payouts": total_paid,
        "revenue_external": ext,
        "revenue_participants": part,
        "external_share": round(ext / (ext + part), 6) if ext + part else 0.0,
        "payout_ratio": round(total_paid / (ext + part), 6) if ext + part else 0.0,
        "refunds": int(sim.refunds[:n].sum()),
    }
