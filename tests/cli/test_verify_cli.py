"""``audit`` with several outputs and ``--bundle``; ``verify`` exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from mlm_audit.cli import output
from mlm_audit.cli.main import run_cli
from mlm_audit.model import InputError
from tests.reports.sample import PACK
from tests.test_evidence import write_data


@pytest.fixture
def audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    data = write_data(tmp_path / "data")
    out = tmp_path / "out"
    bundle = tmp_path / "evidence.zip"
    rc = run_cli(["audit", str(data), "-p", str(PACK), "--lang", "zh",
                  "-f", "json", "-o", str(out / "a.json"), "-f", "html", "-o", str(out / "a.html"),
                  "--bundle", str(bundle)])
    assert rc == 1  # the sample has a high finding
    return data, out, bundle


def test_audit_writes_every_requested_format(audited: tuple[Path, Path, Path]) -> None:
    _, out, bundle = audited
    doc = json.loads((out / "a.json").read_text("utf-8"))
    assert doc["summary"]["verdict"] == "fail"
    assert "证据报告" in (out / "a.html").read_text("utf-8")
    with zipfile.ZipFile(bundle) as zf:
        m = json.loads(zf.read("manifest.json"))
    assert m["created_at"] == "2023-11-14T22:13:20Z"
    assert m["command"][:3] == ["mlm-audit", "audit", str(out.parent / "data")]
    assert {Path(o["path"]).name for o in m["outputs"]} == {"a.json", "a.html"}


def test_verify_intact_bundle(audited: tuple[Path, Path, Path],
                              capsys: pytest.CaptureFixture[str]) -> None:
    data, _, bundle = audited
    assert run_cli(["verify", str(bundle)]) == 0
    assert run_cli(["verify", str(bundle), "--data", str(data)]) == 0
    assert "re-run: 2 findings match" in capsys.readouterr().out


def test_verify_tampered_bundle_names_the_file(audited: tuple[Path, Path, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _, _, bundle = audited
    with zipfile.ZipFile(bundle) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["reports/report.sarif"] = members["reports/report.sarif"].replace(b"error", b"note")
    with zipfile.ZipFile(bundle, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    capsys.readouterr()
    assert run_cli(["verify", str(bundle)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS  reports/report.sarif" in out
    assert "DIFFERS  reports/report.en.html" not in out


def test_verify_changed_output_beside_the_bundle(audited: tuple[Path, Path, Path]) -> None:
    _, out, bundle = audited
    (out / "a.json").write_text("{}", encoding="utf-8")
    assert run_cli(["verify", str(bundle)]) == 1


def test_verify_not_a_bundle(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_text("hello", encoding="utf-8")
    assert run_cli(["verify", str(junk)]) == 2
    assert run_cli(["verify", str(tmp_path / "missing.zip")]) == 2


def test_output_plan_pairs_and_infers() -> None:
    p = output.plan([], [Path("r.html"), Path("x.sarif"), Path("f.agents.csv"), Path("j.xml")])
    assert [t.fmt for t in p] == ["html", "sarif", "csv-agents", "junit"]
    p = output.plan(["md", "json"], [Path("a.txt"), Path("-")])
    assert [(t.fmt, t.path) for t in p] == [("md", Path("a.txt")), ("json", None)]
    assert output.plan([], []) == [output.Target("text", None)]
    with pytest.raises(InputError, match="in pairs"):
        output.plan(["json", "md"], [Path("a.json")])
    with pytest.raises(InputError, match="no --output"):
        output.plan(["json", "md"], [])
    with pytest.raises(InputError, match="extension"):
        output.plan([], [Path("report.pdf")])
    with pytest.raises(InputError, match="--format 'pdf'"):
        output.plan(["pdf"], [])


def test_bad_lang_and_format_are_usage_errors(tmp_path: Path) -> None:
    data = write_data(tmp_path / "data")
    assert run_cli(["audit", str(data), "-f", "pdf"]) == 2
    assert run_cli(["audit", str(data), "--lang", "fr", "-f", "md", "-o",
                    str(tmp_path / "x.md")]) == 2


def test_stdout_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_data(tmp_path / "data")
    assert run_cli(["audit", str(data), "-p", str(PACK), "-f", "sarif"]) == 1
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"
