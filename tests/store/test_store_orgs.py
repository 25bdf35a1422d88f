"""Per-organization metrics (kept for diff) and waivers carried through the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlm_audit import org_metrics, pipeline
from mlm_audit.cli.main import run_cli
from tests.fixtures import AUDIT


def test_org_metrics_top_n_keeps_the_largest(month1: Path) -> None:
    net = pipeline.prepare(pipeline.Inputs(path=month1)).network
    rows, total = org_metrics.compute(net, limit=2)
    assert total == 3
    assert [(r["root_id"], r["persons"]) for r in rows] == [("A", 40), ("C", 40)]  # B is 10
    rows, _ = org_metrics.compute(net)
    assert [r["paying"] for r in rows] == [40, 10, 40]


def test_org_delta_reports_new_and_gone() -> None:
    before = [
        {
            "root_id": "A",
            "persons": 5,
            "paying": 1,
            "levels": 2,
            "payouts_total": 0,
            "entry_total": 0,
        }
    ]
    after = [
        {
            "root_id": "B",
            "persons": 3,
            "paying": 0,
            "levels": 1,
            "payouts_total": 0,
            "entry_total": 0,
        }
    ]
    d = {r["root_id"]: r for r in org_metrics.delta(before, after)}
    assert d["A"]["status"] == "gone" and d["A"]["persons"] == {
        "before": 5,
        "after": None,
        "change": -5,
    }
    assert d["B"]["status"] == "new" and d["B"]["persons"]["change"] == 3
    assert org_metrics.delta(before, before) == []


def test_waived_findings_are_stored_and_diffed(
    month1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "audit.db")
    wfile = tmp_path / "w.yaml"
    wfile.write_text(
        "waivers:\n  - rule: BASE-ORG-*\n    subject: organization:A\n"
        "    justification: j\n    approver: a\n    expires: 2999-01-01\n"
    )
    assert run_cli([*AUDIT, str(month1), "--store", db, "-f", "json", "--waivers", str(wfile)]) == 0
    assert run_cli([*AUDIT, str(month1), "--store", db, "-f", "json"]) == 1
    capsys.readouterr()
    assert run_cli(["show", "1", "--store", db, "-f", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    waived = [f for f in shown["findings"] if f["waived"]]
    assert len(waived) == 1 and waived[0]["waiver"]["source"] == f"{wfile}:2"
    assert shown["summary"]["waivers"] == {"applied": 1, "expired": 0, "unused": 0}
    assert run_cli(["diff", "1", "2", "--store", db, "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    moved = [u for u in doc["unchanged"] if "waived_before" in u]
    assert [(u["rule_id"], u["waived_before"], u["waived"]) for u in moved] == [
        ("BASE-ORG-30-3", True, False)
    ]
    assert run_cli(["history", "--store", db, "-f", "json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [(r["waived"], r["failing"]) for r in runs] == [(0, 1), (1, 0)]
