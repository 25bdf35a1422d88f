"""Formats that other tools ingest: SARIF against the published schema, JUnit, CSV in Excel,
GraphML in networkx; and escaping of hostile names everywhere."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from mlm_audit.model import AuditResult
from mlm_audit.reports import RENDERERS, csv_report, md_report
from tests.reports.sample import CLOCK, FORMULA_ID, FORMULA_NAME, MD_NAME, SCRIPT_NAME

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO.parent / "shared" / "data" / "sarif-schema-2.1.0.json"  # beside the repository


def sarif_schema() -> dict:
    if SCHEMA.is_file():
        return json.loads(SCHEMA.read_text("utf-8"))
    pytest.skip("SARIF 2.1.0 schema not found at ../shared/data/sarif-schema-2.1.0.json "
                "relative to the repository root")


def test_sarif_validates_against_schema(sample: AuditResult) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(RENDERERS["sarif"](sample, lang="zh", now=CLOCK))
    validator = jsonschema.Draft4Validator(sarif_schema())
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, errors[0].message
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["BASE-DEPTH", "BASE-ORG-30-3"]
    assert len(run["results"]) == len(sample.findings)
    loc = run["results"][0]["locations"][0]["logicalLocations"][0]
    assert loc == {"name": "R1", "kind": "organization", "fullyQualifiedName": "organization:R1"}


def test_sarif_schema_catches_a_broken_document(sample: AuditResult) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(RENDERERS["sarif"](sample))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert list(jsonschema.Draft4Validator(sarif_schema()).iter_errors(doc))


def test_junit_one_case_per_rule_failures_per_finding(sample: AuditResult) -> None:
    root = ET.fromstring(RENDERERS["junit"](sample, now=CLOCK))
    cases = root.findall(".//testcase")
    assert [c.get("name", "").split(":")[0] for c in cases] == ["BASE-DEPTH", "BASE-ORG-30-3"]
    failing = {c.get("name", "").split(":")[0]: len(c.findall("failure")) for c in cases}
    assert failing == {"BASE-DEPTH": 0, "BASE-ORG-30-3": 1}  # medium is below --fail-on high
    assert root.get("failures") == "1" and root.get("tests") == "2"


def test_junit_all_findings_fail_when_threshold_is_low(sample: AuditResult) -> None:
    from dataclasses import replace

    from mlm_audit.model import Severity

    low = replace(sample, fail_on=Severity.info)
    root = ET.fromstring(RENDERERS["junit"](low))
    assert root.get("failures") == str(len(sample.findings))


def test_graphml_loads_back_with_networkx(sample: AuditResult) -> None:
    g = nx.read_graphml(io.StringIO(RENDERERS["graphml"](sample)))
    assert g.is_directed()
    chain = ["R1", "A1", "B11", "C111", "D1", FORMULA_ID]
    assert all(n in g for n in chain)
    assert all(g.has_edge(a, b) for a, b in zip(chain, chain[1:], strict=False))
    assert g.nodes["R1"]["name"] == SCRIPT_NAME
    assert g.nodes["R1"]["downline_size"] == 53 and g.nodes["R1"]["flagged"] is True
    assert g.nodes["A1"]["role"] == "chain"
    gexf = nx.read_gexf(io.StringIO(RENDERERS["gexf"](sample, now=CLOCK)))
    assert set(gexf.nodes) == set(g.nodes)


def test_csv_neutralizes_formulas(sample: AuditResult) -> None:
    text = RENDERERS["csv-agents"](sample)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    by_name = {r["name"]: r for r in rows}
    assert by_name["'" + FORMULA_NAME]["agent_id"] == "'" + FORMULA_ID
    assert by_name[SCRIPT_NAME]["net"] == "210000"
    for r in rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "@")), v
    assert csv_report.cell("-12") == "'-12" and csv_report.cell(-12) == -12


def test_csv_findings_one_row_each(sample: AuditResult) -> None:
    rows = list(csv.DictReader(io.StringIO(RENDERERS["csv"](sample).lstrip("\ufeff"))))
    assert [r["rule_id"] for r in rows] == [f.rule_id for f in sample.findings]
    assert json.loads(rows[1]["evidence"])["deepest_agent"] == FORMULA_ID


def test_html_escapes_hostile_names(sample: AuditResult) -> None:
    html = RENDERERS["html"](sample, lang="en")
    assert SCRIPT_NAME not in html and "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "javascript:" not in html.replace("[link](javascript:alert(1))", "")
    assert 'href="javascript' not in html


def test_markdown_escapes_hostile_names(sample: AuditResult) -> None:
    text = RENDERERS["md"](sample, lang="en")
    assert "<script" not in text and "&lt;script&gt;" in text
    assert MD_NAME not in text  # the bold and the link are escaped
    assert "\\*\\*bold\\*\\* \\[link\\]" in text
    assert md_report.md("a|b") == "a\\|b"
    assert md_report.md("# x").startswith("\\#")
    assert md_report.code("a`b") == "`` a`b ``"


def test_xml_formats_drop_control_characters(sample: AuditResult) -> None:
    from dataclasses import replace

    bad = dict(sample.tables)
    bad["evidence_agents"] = [{**a, "name": "bell\x07"} for a in bad["evidence_agents"]]
    tampered = replace(sample, tables=bad)
    g = nx.read_graphml(io.StringIO(RENDERERS["graphml"](tampered)))
    assert g.nodes["R1"]["name"] == "bell"


def test_data_issue_messages_are_escaped(sample: AuditResult) -> None:
    from tests.reports.sample import ORPHAN_SPONSOR

    assert any(ORPHAN_SPONSOR in i.message for i in sample.data_issues)
    html = RENDERERS["html"](sample)
    md = RENDERERS["md"](sample)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in md


def test_long_lists_are_capped_with_a_count(sample: AuditResult) -> None:
    from dataclasses import replace

    from mlm_audit.model import Subject
    from mlm_audit.reports import common

    many = [replace(sample.findings[1], subject=Subject("organization", f"R{i:04d}"),
                    fingerprint=f"fp{i:04d}", evidence={**sample.findings[1].evidence,
                                                        "chain": [f"x{k}" for k in range(500)]})
            for i in range(common.FINDINGS_SHOWN + 50)]
    big = replace(sample, findings=many)
    html = RENDERERS["html"](big)
    assert html.count('<article class="finding') == common.FINDINGS_SHOWN
    assert "50 more findings not shown" in html
    assert "493 levels not shown" in html  # 500-agent chains keep 3 at the top and 4 below
    assert "50 more findings not shown" in RENDERERS["md"](big)
    assert len(html) < 2_000_000
