"""Compare two stored runs: findings new, resolved and unchanged, and per-organization deltas.

Findings are matched by fingerprint (rule + subject + period), so a re-exported or re-sorted
file matches the same findings. Baseline-suppressed findings count here: a diff is about
what changed in the network, not in what was shown.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from mlm_audit import org_metrics, store
from mlm_audit.model import StampedFinding

_SIDE = ("SELECT * FROM findings WHERE run_id = ? AND fingerprint {op} "
         "(SELECT fingerprint FROM findings WHERE run_id = ?)")


def _findings(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[StampedFinding]:
    return sorted((store.finding_from_row(r) for r in db.query(sql, params)),
                  key=StampedFinding.sort_key)


def _brief(f: StampedFinding) -> dict[str, Any]:
    return {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "severity": f.severity.value,
            "subject": f.subject.to_dict(), "period": f.period, "message": f.message,
            "waived": f.waived}


def _run_meta(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    r = db.execute("SELECT id, started_at, command, verdict, findings, agents FROM runs "
                   "WHERE id = ?", [run_id]).fetchone()
    keys = ("id", "started_at", "command", "verdict", "findings", "agents")
    return dict(zip(keys, r, strict=True))


def diff(db: sqlite_utils.Database, run_a: int, run_b: int) -> dict[str, Any]:
    """Document describing how run ``run_b`` differs from the earlier ``run_a``."""
    new = _findings(db, _SIDE.format(op="NOT IN"), [run_b, run_a])
    resolved = _findings(db, _SIDE.format(op="NOT IN"), [run_a, run_b])
    before = {f.fingerprint: f for f in _findings(db, _SIDE.format(op="IN"), [run_a, run_b])}
    unchanged = []
    for f in _findings(db, _SIDE.format(op="IN"), [run_b, run_a]):
        row = _brief(f)
        old = before[f.fingerprint]
        if old.severity != f.severity:
            row["severity_before"] = old.severity.value
        if old.waived != f.waived:
            row["waived_before"] = old.waived
        unchanged.append(row)
    by_sev: dict[str, dict[str, int]] = {}
    for f in new:
        by_sev.setdefault(f.severity.value, {"new": 0, "resolved": 0})["new"] += 1
    for f in resolved:
        by_sev.setdefault(f.severity.value, {"new": 0, "resolved": 0})["resolved"] += 1
    return {
        "run_a": _run_meta(db, run_a),
        "run_b": _run_meta(db, run_b),
        "summary": {"new": len(new), "resolved": len(resolved), "unchanged": len(unchanged),
                    "by_severity": {k: by_sev[k] for k in sorted(by_sev)}},
        "new": [f.to_dict() for f in new],
        "resolved": [f.to_dict() for f in resolved],
        "unchanged": unchanged,
        "organizations": org_metrics.delta(store.org_rows(db, run_a), store.org_rows(db, run_b)),
    }
