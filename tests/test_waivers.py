"""Waivers: matching, expiry against an injected date, unused waivers, bad files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mlm_audit import waivers
from mlm_audit.cli.main import run_cli
from mlm_audit.model import InputError, Severity, StampedFinding, Subject, fingerprint
from tests.fixtures import AUDIT
from tests.store.months import write_month

TODAY = dt.date(2024, 6, 1)


def _finding(rule: str, kind: str, ident: str, period: str | None = None) -> StampedFinding:
    subject = Subject(kind, ident)
    return StampedFinding(
        rule_id=rule,
        check="c",
        severity=Severity.high,
        title={"en": "t"},
        subject=subject,
        message="m",
        evidence={},
        references=[],
        fingerprint=fingerprint(rule, subject, period),
        period=period,
    )


def _entry(extra: str, expires: str = "2024-12-31") -> str:
    return (
        f"  - {extra}\n    justification: legacy tree, restructuring\n"
        f"    approver: J. Chen\n    expires: {expires}\n"
    )


def test_waiver_marks_finding_and_records_itself() -> None:
    text = "waivers:\n" + _entry("rule: BASE-*\n    subject: organization:A")
    ws = waivers.parse(text, "w.yaml")
    fs = [
        _finding("BASE-DEPTH", "organization", "A"),
        _finding("BASE-ORG", "organization", "A"),
        _finding("BASE-DEPTH", "organization", "B"),
        _finding("X-1", "organization", "A"),
    ]
    notes = ws.apply(fs, TODAY)
    assert [f.waived for f in fs] == [True, True, False, False]
    assert fs[0].waiver == {
        "rule": "BASE-*",
        "subject": "organization:A",
        "justification": "legacy tree, restructuring",
        "approver": "J. Chen",
        "expires": "2024-12-31",
        "source": "w.yaml:2",
    }
    assert notes == []
    assert [(s["status"], s["matched"]) for s in ws.status()] == [("applied", 2)]


def test_expired_waiver_stops_waiving_and_is_reported() -> None:
    text = "waivers:\n" + _entry("rule: R\n    subject: agent:a1", expires="2024-05-31")
    fs = [_finding("R", "agent", "a1")]
    ws = waivers.parse(text, "w.yaml")
    notes = ws.apply(fs, TODAY)
    assert not fs[0].waived and fs[0].waiver is None
    assert len(notes) == 1 and "w.yaml:2" in notes[0] and "expired on 2024-05-31" in notes[0]
    assert ws.status()[0]["status"] == "expired" and ws.status()[0]["matched"] == 1
    # the last day is still covered
    fs = [_finding("R", "agent", "a1")]
    assert ws.apply(fs, dt.date(2024, 5, 31)) == [] and fs[0].waived


def test_unused_waiver_is_reported() -> None:
    text = (
        "waivers:\n"
        + _entry("rule: R\n    subject: agent:a1")
        + _entry("rule: R\n    subject: agent:zz")
    )
    ws = waivers.parse(text, "w.yaml")
    notes = ws.apply([_finding("R", "agent", "a1")], TODAY)
    assert len(notes) == 1 and "w.yaml:7" in notes[0] and "unused" in notes[0]
    assert [s["status"] for s in ws.status()] == ["applied", "unused"]


def test_fingerprint_period_and_network_subjects() -> None:
    target = _finding("R", "agent", "a1", "2024-03")
    text = (
        "waivers:\n"
        + _entry(f"rule: '*'\n    fingerprint: {target.fingerprint}")
        + _entry("rule: R\n    subject: agent:a2\n    period: 2024-04")
        + _entry("rule: NET\n    subject: network")
    )
    fs = [
        target,
        _finding("R", "agent", "a2", "2024-03"),
        _finding("R", "agent", "a2", "2024-04"),
        _finding("NET", "network", "*"),
    ]
    waivers.parse(text, "w.yaml").apply(fs, TODAY)
    assert [f.waived for f in fs] == [True, False, True, True]


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        (
            "waivers:\n" + _entry("rule: R\n    rule: S\n    subject: agent:a"),
            "w.yaml:3: duplicate",
        ),
        (
            "waivers:\n  - rule: R\n    subject: agent:a\n    approver: x\n"
            "    expires: 2024-01-01\n",
            "w.yaml:2: justification: Field required",
        ),
        (
            "waivers:\n" + _entry("rule: R\n    subject: agent:a", expires="someday"),
            "w.yaml:6: expires",
        ),
        ("waivers:\n" + _entry("rule: R\n    subject: shop:a"), "w.yaml:3: subject"),
        ("waivers:\n" + _entry("rule: R\n    subjcet: agent:a"), "w.yaml:3: subjcet: unknown key"),
        ("waivers:\n" + _entry("rule: R"), "exactly one of 'subject'"),
        ("waivers: [unclosed\n", "w.yaml:2: invalid YAML"),
        ("waivers: 3\n", "w.yaml:1: expected 'waivers:'"),
    ],
)
def test_malformed_waiver_file(body: str, expect: str) -> None:
    with pytest.raises(InputError, match=expect):
        waivers.parse(body, "w.yaml")


def _audit(capsys: pytest.CaptureFixture[str], data: Path, wfile: Path) -> tuple[int, dict]:
    capsys.readouterr()
    code = run_cli([*AUDIT, str(data), "--no-store", "-f", "json", "--waivers", str(wfile)])
    return code, json.loads(capsys.readouterr().out) if code in (0, 1) else {}


def test_cli_waiver_does_not_count_toward_fail_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_month(tmp_path / "m1", "2024-01")
    live = tmp_path / "live.yaml"
    live.write_text(
        "waivers:\n"
        + _entry("rule: BASE-ORG-30-3\n    subject: organization:A", expires="2999-12-31"),
        encoding="utf-8",
    )
    code, doc = _audit(capsys, data, live)
    assert code == 0  # the only high finding is waived
    waived = [f for f in doc["findings"] if f["waived"]]
    assert len(doc["findings"]) == 3 and len(waived) == 1  # still reported, marked
    assert waived[0]["waiver"]["approver"] == "J. Chen"
    assert doc["summary"]["waivers"] == {"applied": 1, "expired": 0, "unused": 0}

    expired = tmp_path / "expired.yaml"
    expired.write_text(live.read_text().replace("2999-12-31", "2000-01-01"), encoding="utf-8")
    code, doc = _audit(capsys, data, expired)
    assert code == 1 and not any(f["waived"] for f in doc["findings"])
    assert doc["summary"]["waivers"]["expired"] == 1
    assert any("expired on 2000-01-01" in n for n in doc["notes"])


def test_cli_bad_waiver_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "500")  # keep the long tmp path on one line
    data = write_month(tmp_path / "m1", "2024-01")
    bad = tmp_path / "bad.yaml"
    bad.write_text("waivers:\n  - rule: R\n    subject: agent:a\n", encoding="utf-8")
    capsys.readouterr()
    assert run_cli([*AUDIT, str(data), "--no-store", "--waivers", str(bad)]) == 2
    assert f"{bad}:2: justification: Field required" in capsys.readouterr().err
    assert run_cli([*AUDIT, str(data), "--no-store", "--waivers", str(tmp_path / "no")]) == 2
