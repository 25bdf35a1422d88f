"""Recording a run, reading it back, history and show."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mlm_audit import store
from mlm_audit.cli.main import run_cli
from mlm_audit.reports import RENDERERS
from tests.fixtures import AUDIT


def _json_out(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> dict:
    capsys.readouterr()
    assert run_cli(argv) == code
    return json.loads(capsys.readouterr().out)


def test_run_recorded(month1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_path = tmp_path / "s" / "audit.db"
    report = _json_out(capsys, [*AUDIT, str(month1), "--store", str(db_path), "-f", "json"], 1)
    db = store.open_store(db_path, create=False)
    run = db.table("runs").get(1)
    assert run["tool_version"] == report["tool"]["version"]
    assert run["command"] == " ".join(
        ["mlm-audit", *AUDIT, str(month1), "--store", str(db_path), "-f", "json"]
    )
    assert (run["findings"], run["high"], run["medium"], run["verdict"]) == (3, 1, 2, "fail")
    assert json.loads(run["checks"]) == {"excess_depth": 1, "organization_size_and_depth": 1}
    assert json.loads(run["packs"]) == ["structure-test"]
    packs = list(db.query("SELECT pack, sha256 FROM packs WHERE run_id = 1"))
    assert packs == [{"pack": "structure-test", "sha256": report["packs"][0]["sha256"]}]
    inputs = {r["table_name"]: r for r in db.query("SELECT * FROM inputs")}
    assert set(inputs) == {"agents", "payouts"}
    assert inputs["agents"]["rows_loaded"] == 90 and len(inputs["agents"]["sha256"]) == 64
    fps = {r["fingerprint"] for r in db.query("SELECT fingerprint FROM findings")}
    assert fps == {f["fingerprint"] for f in report["findings"]}
    orgs = store.org_rows(db, 1)
    assert [(o["root_id"], o["persons"], o["levels"]) for o in orgs] == [
        ("A", 40, 5),
        ("B", 10, 5),
        ("C", 40, 2),
    ]
    assert orgs[0]["entry_total"] == 40 * 9900 * 100  # minor units
    assert orgs[0]["payouts_total"] == 100 * sum(1000 + i for i in range(40))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_schema_idempotent_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    store.open_store(path).close()
    db = store.open_store(path)  # second open: no error, no change
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
    assert {"runs", "packs", "inputs", "findings", "data_issues", "org_metrics"} <= set(
        db.table_names()
    )
    db.close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    with pytest.raises(store.InputError, match="newer than this mlm-audit"):
        store.open_store(path)


def test_show_rerenders_the_stored_run(
    month1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = tmp_path / "audit.db"
    report = _json_out(capsys, [*AUDIT, str(month1), "--store", str(db_path), "-f", "json"], 1)
    shown = _json_out(capsys, ["show", "1", "--store", str(db_path), "-f", "json"])
    assert shown == report
    for fmt in ["text", *RENDERERS]:
        capsys.readouterr()
        assert run_cli(["show", "latest", "--store", str(db_path), "-f", fmt]) == 0
        assert capsys.readouterr().out.strip()


def test_history_newest_first_and_run_refs(
    month1: Path, month2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = tmp_path / "audit.db"
    for month in (month1, month2, month1):
        assert run_cli([*AUDIT, str(month), "--store", str(db_path), "-f", "json"]) == 1
    runs = _json_out(capsys, ["history", "--store", str(db_path), "-f", "json"])["runs"]
    assert [r["id"] for r in runs] == [3, 2, 1]
    assert [r["findings"] for r in runs] == [3, 4, 3]
    db = store.open_store(db_path, create=False)
    assert store.resolve_run(db, "latest") == 3
    assert store.resolve_run(db, "latest~2") == 1
    with pytest.raises(store.InputError, match="no run '9'"):
        store.resolve_run(db, "9")
    assert run_cli(["show", "nope", "--store", str(db_path)]) == 2
    assert run_cli(["history", "--store", str(db_path)]) == 0
    assert "audit runs" in capsys.readouterr().out


def test_default_location_env_and_no_store(
    month1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_store = tmp_path / "env" / "audit.db"
    monkeypatch.setenv(store.ENV_VAR, str(env_store))
    assert run_cli([*AUDIT, str(month1), "--no-store", "-f", "json"]) == 1
    assert not env_store.exists()
    assert run_cli([*AUDIT, str(month1), "-f", "json"]) == 1
    assert env_store.is_file()
    monkeypatch.delenv(store.ENV_VAR)
    assert store.default_path() == Path(".mlm-audit/audit.db")


def test_reading_a_missing_store_is_an_input_error(tmp_path: Path) -> None:
    assert run_cli(["history", "--store", str(tmp_path / "none.db")]) == 2
    assert not (tmp_path / "none.db").exists()
