"""CSV of findings and of flagged agents, safe to open in Excel.

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or
carriage return) are prefixed with an apostrophe (OWASP's CSV-injection advice); numbers
are written as numbers. A UTF-8 byte-order mark makes Excel read Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from mlm_audit import i18n
from mlm_audit.model import AuditResult

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
FINDING_COLUMNS = ("severity", "rule_id", "check", "title", "subject_kind", "subject_id",
                   "period", "message", "waived", "fingerprint", "references", "evidence")
AGENT_COLUMNS = ("agent_id", "name", "role", "rules", "sponsor_id", "root_id", "level",
                 "direct_recruits", "downline_size", "org_levels", "entry", "paid_total", "net",
                 "row")


def cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) or value is None:
        return "" if value is None else value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _write(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([cell(r.get(c)) for c in columns])
    return BOM + buf.getvalue()


def render(result: AuditResult, lang: str = "en", **_: Any) -> str:
    """One row per finding; evidence as compact JSON."""
    lang = i18n.check_lang(lang)
    rows = []
    for f in result.findings:
        rows.append({
            "severity": f.severity.value, "rule_id": f.rule_id, "check": f.check,
            "title": i18n.title(f.title, lang), "subject_kind": f.subject.kind,
            "subject_id": f.subject.id, "period": f.period or "",
            "message": i18n.finding_message(f, lang), "waived": f.waived,
            "fingerprint": f.fingerprint,
            "references": "; ".join(" ".join(x for x in (r.source, r.article) if x)
                                    for r in f.references),
            "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True,
                                   separators=(",", ":")),
        })
    return _write(FINDING_COLUMNS, rows)


def render_agents(result: AuditResult, **_: Any) -> str:
    """One row per flagged agent (subjects of findings), money in minor units."""
    rows = [{**a, "rules": " ".join(a.get("rules", []))}
            for a in result.tables.get("evidence_agents", []) if a.get("role") == "flagged"]
    return _write(AGENT_COLUMNS, rows)
