"""Baselines: report only findings new since a baseline file or stored run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlm_audit import baseline
from mlm_audit.cli.main import run_cli
from mlm_audit.model import AuditResult
from tests.fixtures import AUDIT
from tests.store.months import write_month


@pytest.fixture
def months(tmp_path: Path) -> tuple[Path, Path]:
    return write_month(tmp_path / "m1", "2024-01"), write_month(tmp_path / "m2", "2024-02")


def _audit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = run_cli([*AUDIT, *argv, "-f", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


def test_baseline_file_reports_only_new(
    months: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m1, m2 = months
    bfile = tmp_path / "base" / "baseline.json"
    code, doc1 = _audit(capsys, str(m1), "--no-store", "--write-baseline", str(bfile))
    assert code == 1
    written = json.loads(bfile.read_text())
    assert written == sorted(f["fingerprint"] for f in doc1["findings"]) and len(written) == 3
    code, doc2 = _audit(capsys, str(m2), "--no-store", "--baseline", str(bfile))
    assert {(f["rule_id"], f["subject"]["id"]) for f in doc2["findings"]} == {
        ("BASE-DEPTH", "C"),
        ("BASE-ORG-30-3", "C"),
    }
    assert doc2["summary"]["suppressed_by_baseline"] == 2  # A's two findings
    assert code == 1  # C's size-and-depth finding is new and high
    # adopting on the same legacy data: everything known, nothing fails
    code, doc3 = _audit(capsys, str(m1), "--no-store", "--baseline", str(bfile))
    assert code == 0 and doc3["findings"] == []
    assert doc3["summary"]["suppressed_by_baseline"] == 3
    # a JSON report works as a baseline too
    report = tmp_path / "report.json"
    report.write_text(json.dumps(doc1))
    assert _audit(capsys, str(m1), "--no-store", "--baseline", str(report))[0] == 0


def test_baseline_stored_run(
    months: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m1, m2 = months
    db = str(tmp_path / "audit.db")
    assert _audit(capsys, str(m1), "--store", db)[0] == 1
    code, doc = _audit(capsys, str(m2), "--store", db, "--baseline", "1")
    assert doc["summary"]["suppressed_by_baseline"] == 2 and len(doc["findings"]) == 2
    capsys.readouterr()
    assert run_cli(["show", "2", "--store", db, "-f", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["summary"] == doc["summary"] and shown["findings"] == doc["findings"]
    # suppressed findings are still in the store: the diff sees A's findings as unchanged
    assert run_cli(["diff", "1", "2", "--store", db, "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["unchanged"] == 2


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ('[\n  "abc",\n', ":3:1: invalid JSON"),
        ('{"x": 1}', "JSON list of finding fingerprints"),
        ("[1, 2]", "JSON list of finding fingerprints"),
    ],
)
def test_bad_baseline_file(
    months: tuple[Path, Path],
    tmp_path: Path,
    content: str,
    expect: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bfile = tmp_path / "b.json"
    bfile.write_text(content)
    capsys.readouterr()
    assert run_cli([*AUDIT, str(months[0]), "--no-store", "--baseline", str(bfile)]) == 2
    assert expect in " ".join(capsys.readouterr().err.split())


def test_baseline_run_needs_the_store(
    months: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli([*AUDIT, str(months[0]), "--no-store", "--baseline", "latest"]) == 2
    assert "drop --no-store" in " ".join(capsys.readouterr().err.split())
    assert run_cli([*AUDIT, str(months[0]), "--no-store", "--baseline", "missing.json"]) == 2


def test_apply_returns_the_suppressed() -> None:
    from tests.test_waivers import _finding

    fs = [_finding("R", "agent", "a"), _finding("R", "agent", "b")]
    result = AuditResult(tool={}, inputs=[], packs=[], data_issues=[], findings=list(fs), stats={})
    dropped = baseline.apply(result, {fs[0].fingerprint})
    assert dropped == [fs[0]] and result.findings == [fs[1]]
    assert result.summary()["suppressed_by_baseline"] == 1
