"""JUnit XML for CI: one test suite per pack, one test case per rule, one ``<failure>`` per
finding at or above ``--fail-on``. Findings below it and waived ones are listed in the test
case's ``<system-out>`` so the gate and the report agree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from mlm_audit import i18n
from mlm_audit.model import AuditResult, StampedFinding
from mlm_audit.reports import common

X = common.xml_text


def _line(f: StampedFinding, lang: str) -> str:
    waived = " [waived]" if f.waived else ""
    return (f"[{f.severity.value}] {f.subject.kind} {f.subject.id}: "
            f"{i18n.finding_message(f, lang)}{waived}")


def render(result: AuditResult, lang: str = "en", now: datetime | None = None,
           **_: Any) -> str:
    lang = i18n.check_lang(lang)
    by_rule: dict[str, list[StampedFinding]] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    suites: dict[str, list[dict[str, Any]]] = {}
    for rule in result.rules:
        suites.setdefault(rule["pack"], []).append(rule)
    root = ET.Element("testsuites", name=X(result.tool.get("name", "mlm-audit")))
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for pack in sorted(suites):
        suite = ET.SubElement(root, "testsuite", name=X(pack))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for rule in suites[pack]:
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", name=X(
                f"{rule['id']}: {i18n.title(rule['title'], lang)}"),
                classname=X(f"{pack}.{rule['check']}"), time="0")
            if rule.get("skipped"):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=X(rule["skipped"]))
                continue
            others = []
            for f in by_rule.get(rule["id"], []):
                if f.waived or f.severity.rank < result.fail_on.rank:
                    others.append(_line(f, lang))
                    continue
                counts["failures"] += 1
                fail = ET.SubElement(case, "failure", type=f.severity.value,
                                     message=X(_line(f, lang)))
                fail.text = X("\n".join([
                    f"fingerprint: {f.fingerprint}",
                    *(f"{g.key}: {g.value}" for g in common.figures(f, lang)),
                    *(f"reference: {r.source} {r.article} {r.url}".rstrip()
                      for r in f.references),
                ]))
            if others:
                ET.SubElement(case, "system-out").text = X("\n".join(others))
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("errors", "0")
        if now is not None:
            suite.set("timestamp", common.stamp(now).rstrip("Z"))
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
