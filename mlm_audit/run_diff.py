"""Compare two stored runs: findings new, resolved and unchanged, and per-organization deltas.

Findings are matched by fingerprint (rule + subject + period), so a re-exported or re-sorted
file matches the same findings. Baseline-suppressed findings count here: a diff is about
what changed in the network, not in what was shown.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from mlm_audit import org_metrics, store

_ONLY_IN = ("SELECT * FROM findings WHERE run_id = ? AND fingerprint NOT IN "
            "(SELECT fingerprint FROM findings WHERE run_id = ?)")
_COUNT = ("SELECT severity, count(*) FROM findings WHERE run_id = ? AND fingerprint NOT IN "
          "(SELECT fingerprint FROM findings WHERE run_id = ?) GROUP BY severity")
# the engine's order (StampedFinding.sort_key), so a LIMIT keeps the most serious
_ORDER = " ORDER BY severity_rank DESC, rule_id, subject_kind, subject_id, COALESCE(period, '')"
# unchanged findings: a join on the (run_id, fingerprint) key, brief columns only
_BOTH = ("SELECT b.fingerprint, b.rule_id, b.severity, b.severity_rank, b.subject_kind, "
         "b.subject_id, b.period, b.message, b.waived, a.severity AS severity_a, "
         "a.waived AS waived_a FROM findings b JOIN findings a "
         "ON a.run_id = ? AND a.fingerprint = b.fingerprint WHERE b.run_id = ?")


def _unchanged(db: sqlite_utils.Database, run_a: int, run_b: int) -> list[dict[str, Any]]:
    rows = sorted(db.query(_BOTH, [run_a, run_b]), key=lambda r: (
        -r["severity_rank"], r["rule_id"], r["subject_kind"], r["subject_id"],
        r["period"] or ""))
    out = []
    for r in rows:
        row = {"fingerprint": r["fingerprint"], "rule_id": r["rule_id"],
               "severity": r["severity"],
               "subject": {"kind": r["subject_kind"], "id": r["subject_id"]},
               "period": r["period"], "message": r["message"], "waived": bool(r["waived"])}
        if r["severity_a"] != r["severity"]:
            row["severity_before"] = r["severity_a"]
        if r["waived_a"] != r["waived"]:
            row["waived_before"] = bool(r["waived_a"])
        out.append(row)
    return out


def _run_meta(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    r = db.execute("SELECT id, started_at, command, verdict, findings, agents FROM runs "
                   "WHERE id = ?", [run_id]).fetchone()
    keys = ("id", "started_at", "command", "verdict", "findings", "agents")
    return dict(zip(keys, r, strict=True))


def _side(db: sqlite_utils.Database, this: int, other: int, limit: int | None
          ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    counts = {str(sev): int(n) for sev, n in db.execute(_COUNT, [this, other]).fetchall()}
    sql, params = _ONLY_IN + _ORDER, [this, other]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [f.to_dict() for f in store.findings_from_rows(db.query(sql, params))], counts


def diff(db: sqlite_utils.Database, run_a: int, run_b: int, limit: int | None = None
         ) -> dict[str, Any]:
    """Document describing how run ``run_b`` differs from the earlier ``run_a``.

    ``limit`` keeps only the most serious new and resolved findings in the lists (the
    summary still counts them all), for terminal output.
    """
    new, new_counts = _side(db, run_b, run_a, limit)
    resolved, resolved_counts = _side(db, run_a, run_b, limit)
    unchanged = _unchanged(db, run_a, run_b)
    by_sev = {sev: {"new": new_counts.get(sev, 0), "resolved": resolved_counts.get(sev, 0)}
              for sev in sorted(set(new_counts) | set(resolved_counts))}
    return {
        "run_a": _run_meta(db, run_a),
        "run_b": _run_meta(db, run_b),
        "summary": {"new": sum(new_counts.values()), "resolved": sum(resolved_counts.values()),
                    "unchanged": len(unchanged), "by_severity": by_sev},
        "new": new,
        "resolved": resolved,
        "unchanged": unchanged,
        "organizations": org_metrics.delta(store.org_rows(db, run_a), store.org_rows(db, run_b)),
    }
