"""Aggregated report tables, computed once by the library so renderers never compute metrics.

Everything here is small at any scale: per-level sums are capped at ``LEVEL_ROWS`` rows,
distributions are bucketed, and the evidence subgraph (flagged agents, their chains and
organizations) is capped at ``EVIDENCE_NODES`` agents with a count of what is left out.
Money stays in Int64 minor units; sums are exact (polars integer group-bys, never floats).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.checks import REGISTRY
from mlm_audit.metrics.ranking import sum_of_largest
from mlm_audit.model import AuditResult, StampedFinding
from mlm_audit.network import Network
from mlm_audit.packs import Rule
from mlm_audit.schema import MINOR_UNITS, ROW

LEVEL_ROWS = 60  # levels shown one by one; deeper levels are summed into one row
EVIDENCE_NODES = 2000  # agents in the evidence subgraph (flagged + chains + roots)
PERCENTILES = (1, 10, 25, 50, 75, 90, 99)
EVIDENCE_KEYS = ("agent_id", "deepest_agent", "organizer_id", "recipient_id")


def attach(result: AuditResult, net: Network, rules: Sequence[Rule] = ()) -> AuditResult:
    """Fill ``result.rules`` and ``result.tables`` from the network the audit ran on."""
    result.rules = rule_catalog(net, rules)
    result.tables = compute(net, result.findings)
    return result


def rule_catalog(net: Network, rules: Iterable[Rule]) -> list[dict[str, Any]]:
    available = {"orders": net.has_orders, "payouts": net.has_payouts, "plan": False}
    out = []
    for r in rules:
        needs = REGISTRY[r.model.check].needs
        missing = [t for t in needs if not available.get(t, True)]
        out.append({
            "id": r.id,
            "pack": r.pack,
            "check": r.model.check,
            "severity": r.model.severity.value,
            "title": dict(sorted(r.model.title.model_dump().items())),
            "basis": r.model.basis,
            "note": r.model.note,
            "params": r.params.model_dump(mode="json"),
            "references": [ref.to_reference().to_dict() for ref in r.model.references],
            "skipped": f"needs {' and '.join(missing)}" if missing else None,
        })
    return sorted(out, key=lambda d: d["id"])


def compute(net: Network, findings: Sequence[StampedFinding]) -> dict[str, Any]:
    m = net.agent_money
    rooted = net.rooted
    level = net.level.astype(np.int64)
    entry = m["entry"].to_numpy()
    paid = m["paid_total"].to_numpy()
    net_income = m["net"].to_numpy()
    nodes, flagged_total, truncated = evidence_nodes(net, findings)
    return {
        "minor_per_major": MINOR_UNITS,
        "has_money": bool(net.has_orders or net.has_payouts),
        "levels": per_level(level[rooted], entry[rooted], paid[rooted], net_income[rooted]),
        "org_depth": histogram(net.org_levels[(net.parent < 0) & rooted]),
        "downline": log_buckets(net.downline_size[rooted]),
        "direct_recruits": log_buckets(net.direct_recruits[rooted], start=0),
        "income": income(net_income[rooted], paid[rooted], entry[rooted]),
        "evidence_agents": nodes,
        "flagged_agents_total": flagged_total,
        "evidence_truncated": truncated,
    }


def per_level(level: npt.NDArray[np.int64], entry: npt.NDArray[np.int64],
              paid: npt.NDArray[np.int64], net_income: npt.NDArray[np.int64]
              ) -> list[dict[str, Any]]:
    """Agents, paying agents, entry paid, payouts received, net and losers per level."""
    if level.size == 0:
        return []
    capped = np.minimum(level, LEVEL_ROWS + 1)
    df = pl.DataFrame({"level": capped, "entry": entry, "paid": paid, "net": net_income})
    g = (
        df.group_by("level")
        .agg(
            pl.len().alias("agents"),
            (pl.col("entry") > 0).sum().alias("paying"),
            pl.col("entry").sum(),
            pl.col("paid").sum().alias("payouts"),
            pl.col("net").sum(),
            (pl.col("net") < 0).sum().alias("losing"),
        )
        .sort("level")
    )
    deepest = int(level.max())
    rows = []
    for rec in g.iter_rows(named=True):
        lv = int(rec["level"])
        row = {"level": str(lv), "from": lv, "to": lv}
        if lv > LEVEL_ROWS:
            row = {"level": f"{lv}+", "from": lv, "to": deepest}
        row.update({k: int(rec[k]) for k in ("agents", "paying", "entry", "payouts", "net",
                                             "losing")})
        rows.append(row)
    return rows


def histogram(values: npt.NDArray[Any]) -> list[dict[str, Any]]:
    """Counts per value; values beyond LEVEL_ROWS are counted together as ``61+``."""
    if values.size == 0:
        return []
    counts = np.bincount(np.minimum(values, LEVEL_ROWS + 1).astype(np.int64))
    return [{"value": v, "label": f"{v}+" if v > LEVEL_ROWS else str(v), "count": int(c)}
            for v, c in enumerate(counts) if c]


def bucket_edges(top: int, start: int = 1) -> list[int]:
    """1-2-5 series edges covering [start, top]: 0?, 1, 2, 5, 10, 20, 50, ..."""
    edges = [0] if start == 0 else []
    step = 1
    while True:
        for k in (1, 2, 5):
            edges.append(k * step)
            if k * step > top:
                return edges
        step *= 10


def log_buckets(values: npt.NDArray[Any], start: int = 1) -> list[dict[str, int]]:
    """Counts per 1-2-5 bucket ``[lo, hi]`` (hi inclusive); empty trailing buckets dropped."""
    if values.size == 0:
        return []
    edges = bucket_edges(int(values.max()), start)
    idx = np.searchsorted(np.asarray(edges), values, side="right") - 1
    counts = np.bincount(idx[idx >= 0], minlength=len(edges) - 1)
    out = []
    for i in range(len(edges) - 1):
        out.append({"lo": edges[i], "hi": edges[i + 1] - 1, "count": int(counts[i])})
    while out and out[-1]["count"] == 0:
        out.pop()
    return out


def _decades(mags: npt.NDArray[np.int64]) -> list[tuple[int, int, int]]:
    """(lo, hi, count) per decade [1, 9], [10, 99], ... of positive magnitudes; empty skipped."""
    if mags.size == 0:
        return []
    top = int(mags.max())
    edges = [10**k for k in range(len(str(top)) + 1)]
    idx = np.searchsorted(np.asarray(edges), mags, side="right") - 1
    counts = np.bincount(idx, minlength=len(edges))
    return [(edges[i], edges[i + 1] - 1, int(counts[i]))
            for i in range(len(edges) - 1) if counts[i]]


def signed_buckets(values: npt.NDArray[np.int64]) -> list[dict[str, int]]:
    """Net income per decade of major units, losses mirrored left of an exact-zero bucket."""
    loss = (-values[values < 0] + MINOR_UNITS - 1) // MINOR_UNITS  # ceil: any loss is >= 1
    gain = (values[values > 0] + MINOR_UNITS - 1) // MINOR_UNITS
    out = [{"lo": -hi, "hi": -lo, "count": c} for lo, hi, c in reversed(_decades(loss))]
    out.append({"lo": 0, "hi": 0, "count": int((values == 0).sum())})
    out.extend({"lo": lo, "hi": hi, "count": c} for lo, hi, c in _decades(gain))
    return out


def income(net_income: npt.NDArray[np.int64], paid: npt.NDArray[np.int64],
           entry: npt.NDArray[np.int64]) -> dict[str, Any]:
    n = int(net_income.size)
    if n == 0:
        return {"agents": 0}
    pct = np.percentile(net_income, PERCENTILES, method="lower")
    total_paid = int(paid.sum())
    k = max(1, math.ceil(n / 100))
    top = sum_of_largest(paid, k)
    return {
        "agents": n,
        "percentiles": {str(p): int(v) for p, v in zip(PERCENTILES, pct, strict=True)},
        "median": int(pct[PERCENTILES.index(50)]),
        "losing": int((net_income < 0).sum()),
        "share_net_loss": round(float((net_income < 0).mean()), 4),
        "payouts_total": total_paid,
        "entry_total": int(entry.sum()),
        "top1_agents": k,
        "top1_payouts": top,
        "top1_share": round(top / total_paid, 4) if total_paid else 0.0,
        "buckets": signed_buckets(net_income),
    }


def _finding_agents(f: StampedFinding) -> tuple[list[str], list[Any]]:
    """(flagged ids, chain) named by one finding; the chain as stored, not copied."""
    flagged = []
    if f.subject.kind in ("agent", "organization"):
        flagged.append(f.subject.id)
    for key in EVIDENCE_KEYS:
        v = f.evidence.get(key)
        if isinstance(v, str) and v not in flagged:
            flagged.append(v)
    chain = f.evidence.get("chain")
    return flagged, chain if isinstance(chain, list) else []


def evidence_nodes(net: Network, findings: Sequence[StampedFinding]
                   ) -> tuple[list[dict[str, Any]], int, bool]:
    """Agents of the evidence subgraph with their metrics, in finding order, capped.

    Returns (rows, number of distinct flagged agents, whether the subgraph was cut). Chains
    stop being read once the cap is reached, so long chains in many findings cost nothing.
    """
    rules_of: dict[str, set[str]] = {}
    order: dict[str, None] = {}
    truncated = False
    for f in findings:
        flagged, chain = _finding_agents(f)
        for a in flagged:
            rules_of.setdefault(a, set()).add(f.rule_id)
        if len(order) >= EVIDENCE_NODES:  # only the chain's ends are looked at from here on
            ends = [str(c) for c in chain[:1] + chain[-1:]]
            truncated = truncated or any(a not in order for a in [*flagged, *ends])
            continue
        for a in [*(str(c) for c in chain), *flagged]:
            if len(order) >= EVIDENCE_NODES and a not in order:
                truncated = True
                break
            order.setdefault(a, None)
    ids = list(order)
    if not ids:
        return [], len(rules_of), truncated
    idx = net.index_of(ids)
    ok = idx >= 0
    ids = [a for a, good in zip(ids, ok, strict=True) if good]
    idx = idx[ok]
    m = net.agent_money
    parent = net.parent[idx]
    cols = {
        "row": net.agents[ROW].to_numpy()[idx],
        "level": net.level[idx],
        "direct_recruits": net.direct_recruits[idx],
        "downline_size": net.downline_size[idx],
        "org_levels": net.org_levels[idx],
        "entry": m["entry"].to_numpy()[idx],
        "paid_total": m["paid_total"].to_numpy()[idx],
        "net": m["net"].to_numpy()[idx],
    }
    names = net.agents["name"].gather(idx.tolist()).to_list()
    roots = net.root[idx]
    rows = []
    for k, agent_id in enumerate(ids):
        p = int(parent[k])
        r = int(roots[k])
        rows.append({
            "agent_id": agent_id,
            "name": names[k] or "",
            "sponsor_id": net.id_of(p) if p >= 0 else "",
            "root_id": net.id_of(r) if r >= 0 else "",
            "role": "flagged" if agent_id in rules_of else ("root" if p < 0 else "chain"),
            "rules": sorted(rules_of.get(agent_id, ())),
            **{c: int(v[k]) for c, v in cols.items()},
        })
    rows.sort(key=lambda d: d["agent_id"])
    return rows, len(rules_of), truncated
