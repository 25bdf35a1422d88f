"""Fingerprints across re-exports, and diff between two generated months."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlm_audit.cli.main import run_cli
from tests.fixtures import AUDIT
from tests.store.months import write_month


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int) -> dict:
    capsys.readouterr()
    assert run_cli(argv) == code
    return json.loads(capsys.readouterr().out)


def test_fingerprints_stable_across_shuffled_reexport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "audit.db")
    csv_dir = write_month(tmp_path / "csv", "2024-01")
    shuffled = write_month(tmp_path / "parquet", "2024-01", shuffle_seed=7, fmt="parquet")
    a = _json(capsys, [*AUDIT, str(csv_dir), "--store", db, "-f", "json"], 1)
    b = _json(capsys, [*AUDIT, str(shuffled), "--store", db, "-f", "json"], 1)
    assert a["inputs"][0]["sha256"] != b["inputs"][0]["sha256"]  # really a different file
    fa = {f["fingerprint"] for f in a["findings"]}
    assert len(fa) >= 3
    assert fa == {f["fingerprint"] for f in b["findings"]}
    d = _json(capsys, ["diff", "1", "2", "--store", db, "-f", "json"], 0)
    assert (d["summary"]["new"], d["summary"]["resolved"], d["summary"]["unchanged"]) == (
        0,
        0,
        len(fa),
    )
    assert d["organizations"] == []


def test_diff_of_two_months(
    month1: Path, month2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "audit.db")
    assert run_cli([*AUDIT, str(month1), "--store", db, "-f", "json"]) == 1
    assert run_cli([*AUDIT, str(month2), "--store", db, "-f", "json"]) == 1
    d = _json(capsys, ["diff", "latest~1", "latest", "--store", db, "-f", "json"], 0)
    key = {(f["rule_id"], f["subject"]["id"]) for f in d["new"]}
    assert key == {("BASE-DEPTH", "C"), ("BASE-ORG-30-3", "C")}
    assert {(f["rule_id"], f["subject"]["id"]) for f in d["resolved"]} == {("BASE-DEPTH", "B")}
    assert {(f["rule_id"], f["subject"]["id"]) for f in d["unchanged"]} == {
        ("BASE-DEPTH", "A"),
        ("BASE-ORG-30-3", "A"),
    }
    assert d["summary"]["by_severity"] == {
        "high": {"new": 1, "resolved": 0},
        "medium": {"new": 1, "resolved": 1},
    }
    orgs = {o["root_id"]: o for o in d["organizations"]}
    assert set(orgs) == {"B", "C"}  # A did not change
    assert orgs["C"]["persons"] == {"before": 40, "after": 45, "change": 5}
    assert orgs["C"]["levels"]["change"] == 2
    assert orgs["B"]["levels"] == {"before": 5, "after": 3, "change": -2}
    # reversed, new and resolved swap
    r = _json(capsys, ["diff", "2", "1", "--store", db, "-f", "json"], 0)
    assert (r["summary"]["new"], r["summary"]["resolved"]) == (1, 2)
    capsys.readouterr()
    assert run_cli(["diff", "1", "2", "--store", db]) == 0
    out = capsys.readouterr().out
    assert "2 new" in out and "1 resolved" in out and "organizations that changed" in out


def test_diff_limit_keeps_the_most_serious_and_counts_all(
    month1: Path, month2: Path, tmp_path: Path
) -> None:
    from mlm_audit import run_diff, store

    db_path = tmp_path / "audit.db"
    assert run_cli([*AUDIT, str(month1), "--store", str(db_path), "-f", "json"]) == 1
    assert run_cli([*AUDIT, str(month2), "--store", str(db_path), "-f", "json"]) == 1
    db = store.open_store(db_path, create=False)
    d = run_diff.diff(db, 1, 2, limit=1)
    assert [(f["rule_id"], f["severity"]) for f in d["new"]] == [("BASE-ORG-30-3", "high")]
    assert d["summary"]["new"] == 2 and d["summary"]["resolved"] == 1
    assert d["new"] == run_diff.diff(db, 1, 2)["new"][:1]
