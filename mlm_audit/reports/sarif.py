"""SARIF 2.1.0 for code-scanning style pipelines: one rule descriptor per rule id, one result
per finding. The subject is the result's logical location; agents and organizations also get
a physical location (the agents file and its row) when the input was line-oriented."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from mlm_audit import i18n
from mlm_audit.model import AuditResult, InputInfo, StampedFinding
from mlm_audit.reports import common

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
         "info": "note"}
LINE_FORMATS = ("csv", "tsv", "xlsx", "xls", "txt")


def artifact_uri(path: str) -> str:
    p = PurePath(path)
    if p.is_absolute():
        return "file://" + quote(p.as_posix())
    return quote(p.as_posix())


def _descriptor(rule: dict[str, Any], lang: str) -> dict[str, Any]:
    refs = rule.get("references", [])
    d: dict[str, Any] = {
        "id": rule["id"],
        "name": rule["check"],
        "shortDescription": {"text": i18n.title(rule["title"], lang)},
        "fullDescription": {"text": " / ".join(v for _, v in sorted(rule["title"].items()))},
        "defaultConfiguration": {"level": LEVEL[rule["severity"]]},
        "properties": {
            "pack": rule["pack"],
            "severity": rule["severity"],
            "basis": rule.get("basis", ""),
            "params": rule.get("params", {}),
            "references": refs,
            "tags": ["mlm-audit", rule["pack"], rule["check"]],
        },
    }
    urls = [r["url"] for r in refs if r.get("url", "").startswith(("http://", "https://"))]
    if urls:
        d["helpUri"] = urls[0]
    if rule.get("note"):
        d["help"] = {"text": rule["note"]}
    return d


def _physical(f: StampedFinding, rows: dict[str, int], agents: InputInfo | None
              ) -> list[dict[str, Any]]:
    if agents is None or f.subject.kind not in ("agent", "organization"):
        return []
    loc: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(agents.path)}}
    row = rows.get(f.subject.id, 0)
    if row > 0 and agents.format in LINE_FORMATS:
        loc["region"] = {"startLine": row}
    return [loc]


def _result(f: StampedFinding, index: int, rows: dict[str, int], agents: InputInfo | None,
            lang: str) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [{"name": f.subject.id, "kind": f.subject.kind,
                              "fullyQualifiedName": f"{f.subject.kind}:{f.subject.id}"}],
    }
    physical = _physical(f, rows, agents)
    if physical:
        location["physicalLocation"] = physical[0]
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": LEVEL[f.severity.value],
        "message": {"text": i18n.finding_message(f, lang)},
        "locations": [location],
        "partialFingerprints": {"mlmAuditFingerprint/v1": f.fingerprint},
        "properties": {"severity": f.severity.value, "subject": f.subject.to_dict(),
                       "period": f.period, "evidence": f.evidence},
    }
    if f.waived:
        reason = (f.waiver or {}).get("reason", "waived")
        out["suppressions"] = [{"kind": "external", "justification": str(reason)}]
    return out


def to_document(result: AuditResult, lang: str = "en", now: datetime | None = None
                ) -> dict[str, Any]:
    rules = list(result.rules)
    known = {r["id"] for r in rules}
    for f in result.findings:  # a finding whose rule was not catalogued still needs a rule
        if f.rule_id not in known:
            known.add(f.rule_id)
            rules.append({"id": f.rule_id, "pack": "", "check": f.check,
                          "severity": f.severity.value, "title": f.title,
                          "references": [r.to_dict() for r in f.references]})
    index = {r["id"]: i for i, r in enumerate(rules)}
    rows = {a["agent_id"]: int(a.get("row", 0)) for a in result.tables.get("evidence_agents", [])}
    agents = next((i for i in result.inputs if i.table == "agents"), None)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": result.tool.get("name", "mlm-audit"),
                            "version": result.tool.get("version", ""),
                            "semanticVersion": result.tool.get("version", ""),
                            "rules": [_descriptor(r, lang) for r in rules]}},
        "results": [_result(f, index[f.rule_id], rows, agents, lang) for f in result.findings],
        "artifacts": [{"location": {"uri": artifact_uri(i.path)},
                       "hashes": {"sha-256": i.sha256}, "roles": ["analysisTarget"]}
                      for i in sorted(result.inputs, key=lambda i: (i.table, i.path))],
        "columnKind": "unicodeCodePoints",
        "properties": {"summary": result.summary()},
    }
    if now is not None:
        run["invocations"] = [{"executionSuccessful": True, "endTimeUtc": common.stamp(now)}]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: AuditResult, lang: str = "en", now: datetime | None = None,
           **_: Any) -> str:
    doc = to_document(result, i18n.check_lang(lang), now)
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
