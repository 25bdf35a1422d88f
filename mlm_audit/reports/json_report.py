"""JSON report (DESIGN.md §7): sorted, deterministic, schema-versioned."""

from __future__ import annotations

import json
from typing import Any

from mlm_audit.model import AuditResult

SCHEMA_VERSION = 1


def to_document(result: AuditResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": result.tool,
        "inputs": [i.to_dict() for i in sorted(result.inputs, key=lambda i: (i.table, i.path))],
        "packs": result.packs,
        "summary": result.summary(),
        "stats": result.stats,
        "notes": result.notes,
        "data_issues": [i.to_dict() for i in result.data_issues],
        "findings": [f.to_dict() for f in result.findings],
        "rules": result.rules,
        "tables": result.tables,
    }


def render(result: AuditResult, **_: Any) -> str:
    return json.dumps(to_document(result), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
