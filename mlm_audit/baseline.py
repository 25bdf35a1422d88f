"""Baselines: report only findings new since a known state, for adopting the tool on a
legacy network.

A baseline is a set of fingerprints: a JSON file written by ``--write-baseline`` (a sorted
list of fingerprints; a JSON report from ``--format json`` is accepted too), or a stored run
(its findings, suppressed ones included). Findings in the baseline leave the reported list
and are counted as ``suppressed_by_baseline``; they no longer count toward ``--fail-on``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from mlm_audit.model import AuditResult, InputError, StampedFinding


def read_file(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: baseline file not found") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}:{e.colno}: invalid JSON in baseline: {e.msg}"
                         ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read baseline: {e}") from None
    if isinstance(data, dict) and isinstance(data.get("findings"), list):
        data = [f.get("fingerprint") for f in data["findings"] if isinstance(f, dict)]
    if not isinstance(data, list) or not all(isinstance(x, str) and x for x in data):
        raise InputError(f"{path}: a baseline is a JSON list of finding fingerprints (as "
                         f"written by --write-baseline) or a JSON report")
    return set(data)


def write_file(findings: Iterable[StampedFinding], path: Path) -> int:
    """Write the fingerprints of ``findings`` (sorted, one per line); returns how many."""
    fps = sorted({f.fingerprint for f in findings})
    body = "[\n" + ",\n".join(f"  {json.dumps(fp)}" for fp in fps) + ("\n" if fps else "") + "]\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot write baseline: {e.strerror}") from None
    return len(fps)


def apply(result: AuditResult, fingerprints: set[str]) -> list[StampedFinding]:
    """Drop baseline findings from ``result``; returns the dropped ones (for the store)."""
    kept = [f for f in result.findings if f.fingerprint not in fingerprints]
    dropped = [f for f in result.findings if f.fingerprint in fingerprints]
    result.findings = kept
    result.suppressed_by_baseline = len(dropped)
    return dropped
