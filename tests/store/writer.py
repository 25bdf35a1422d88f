"""Subprocess helper for the crash and concurrency tests (run as a script, not collected).

usage: writer.py STORE N_FINDINGS TAG [--go FILE] [--pause-at-half SECONDS] [--marker FILE]
Writes one synthetic run with N findings. ``--pause-at-half`` sleeps inside the open
transaction after half the findings are written (touching ``--marker`` first), so a test
can kill the process mid-write or make a second writer wait on the lock.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlm_audit import store
from mlm_audit.model import AuditResult, Severity, StampedFinding, Subject, fingerprint


def synthetic(n: int, tag: str) -> AuditResult:
    findings = []
    for i in range(n):
        subject = Subject("agent", f"{tag}-{i:06d}")
        findings.append(StampedFinding(
            rule_id="T-RULE", check="excess_depth", severity=Severity.medium,
            title={"en": "t", "zh": "t"}, subject=subject, message=f"agent {i}",
            evidence={"i": i, "chain": [f"{tag}-{j}" for j in range(5)]}, references=[],
            fingerprint=fingerprint("T-RULE", subject, None)))
    return AuditResult(tool={"name": "mlm-audit", "version": "test"}, inputs=[], packs=[],
                       data_issues=[], findings=findings, stats={"agents": n}, notes=[tag])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("n", type=int)
    ap.add_argument("tag")
    ap.add_argument("--go")
    ap.add_argument("--pause-at-half", type=float, default=0.0)
    ap.add_argument("--marker")
    a = ap.parse_args()
    db = store.open_store(Path(a.store))
    result = synthetic(a.n, a.tag)
    if a.pause_at_half:
        original = store._write_rows

        def paused(db: Any, table: str, rows: Any) -> None:
            if table != "findings":
                original(db, table, rows)
                return
            rows = list(rows)
            original(db, table, rows[: len(rows) // 2])
            if a.marker:
                Path(a.marker).write_text("in transaction")
            time.sleep(a.pause_at_half)
            original(db, table, rows[len(rows) // 2:])

        store._write_rows = paused  # type: ignore[assignment]
    if a.go:
        while not Path(a.go).exists():
            time.sleep(0.01)
    store.record_run(db, result, command=f"writer {a.tag}",
                     started_at=datetime.now(timezone.utc))


if __name__ == "__main__":
    main()
