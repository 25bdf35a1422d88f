"""``rules list`` / ``rules show`` / ``rules lint``, and packs and overrides on ``audit``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlm_audit.cli.main import run_cli

BAD_PACK = """\
pack: Bad Pack
version: 1
title: {en: Bad, zh: 坏}
rules:
  - id: X-01
    check: payout_caps
    severity: high
    title: {en: a, zh: b}
  - id: X-02
    check: payout_cap
    severity: severe
    title: {en: a, zh: b}
    params: {max_ratio: 2000, windw: month}
  - id: X-03
    check: expression
    severity: low
    title: {en: a, zh: b}
    params: {where: "entyr > 0 and open('x')"}
    params: {where: "level > 1"}
  - id: X-04
    check: payout_cap
    severity: low
    title: {en: a, zh: b}
    params: {max_ratio: 2000}
  - id: X-01
    check: excess_depth
    severity: low
    title: {en: a, zh: b}
"""

BAD_PACK_ERRORS = """\
bad.yaml:1: pack: String should match pattern '^[a-z0-9][a-z0-9-]*$'
bad.yaml:6: unknown check 'payout_caps'; did you mean 'payout_cap'? (see 'mlm-audit rules list')
bad.yaml:11: rules.1.severity: Input should be 'info', 'low', 'medium', 'high' or 'critical'
bad.yaml:13: check 'payout_cap' has no parameter 'windw'; did you mean 'window'? (parameters: max_ratio, base, window, vat_rate, min_paid, max_findings)
bad.yaml:18: rules.2.params.where: expression "entyr > 0 and open('x')": unknown column 'entyr'; did you mean 'entry'? (columns are listed by 'mlm-audit rules show expression') (at column 1)
bad.yaml:19: duplicate key 'params' (first at line 18)
bad.yaml:24: rules.3.params.max_ratio: Input should be less than or equal to 100
bad.yaml:25: duplicate rule id 'X-01' (first at bad.yaml:5)
8 errors in bad.yaml
"""  # noqa: E501


def test_lint_reports_every_error_word_for_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(BAD_PACK, encoding="utf-8")
    assert run_cli(["rules", "lint", "bad.yaml"]) == 2
    assert capsys.readouterr().out == BAD_PACK_ERRORS


def test_lint_clean_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("ok.yaml").write_text(
        "pack: ok\nversion: 1\ntitle: {en: ok, zh: 好}\nrules:\n"
        "  - id: OK-01\n    check: payout_cap\n    severity: high\n"
        "    title: {en: a, zh: b}\n    params: {max_ratio: 0.3}\n", encoding="utf-8")
    assert run_cli(["rules", "lint", "ok.yaml"]) == 0
    assert capsys.readouterr().out == "ok.yaml: ok (1 rules)\n"


def test_lint_syntax_error_and_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("broken.yaml").write_text("pack: x\nrules: [\n", encoding="utf-8")
    assert run_cli(["rules", "lint", "broken.yaml"]) == 2
    assert capsys.readouterr().out.startswith("broken.yaml:3: invalid YAML")
    assert run_cli(["rules", "lint", "missing.yaml"]) == 2
    assert "missing.yaml: pack file not found" in capsys.readouterr().err


def test_list_json_has_every_pack_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["rules", "list", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    packs = {p["pack"]: p for p in doc["packs"]}
    assert {"baseline", "cn-anti-pyramid", "us-ftc", "jp-scta"} <= set(packs)
    cr01 = next(r for r in packs["cn-anti-pyramid"]["rules"] if r["id"] == "CN-CR-01")
    assert cr01["severity"] == "critical" and cr01["check"] == "organization_size_and_depth"
    assert "expression" in {c["name"] for c in doc["checks"]}


def test_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["rules", "list"]) == 0
    out = capsys.readouterr().out
    assert "cn-anti-pyramid v1" in out and "CN-CR-02b" in out and "check types" in out


def test_show_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["rules", "show", "CN-AP-01"]) == 0
    out = capsys.readouterr().out
    assert "packs: cn-anti-pyramid, wechat-distribution" in out
    assert "severity: high" in out and "禁止传销条例" in out
    assert run_cli(["rules", "show", "CN-DS-01b", "--format", "json"]) == 0
    rule = json.loads(capsys.readouterr().out)
    assert rule["params"]["max_ratio"] == 0.3 and rule["packs"] == ["cn-direct-selling"]
    assert rule["references"][0]["article"].startswith("Art. 24")


def test_show_check_type_with_parameter_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["rules", "show", "payout_cap"]) == 0
    out = capsys.readouterr().out
    assert "Payouts above a set share of a sales base" in out
    assert "max_ratio" in out and "> 0.0, ≤ 100.0" in out
    assert run_cli(["rules", "show", "expression", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "aggregate.fn" in {p["name"] for p in doc["parameters"]}


def test_show_unknown_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["rules", "show", "CN-CR-1"]) == 2
    assert "did you mean 'CN-CR-01'?" in capsys.readouterr().err


def _data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "agents.csv").write_text("agent_id,sponsor_id\nR,\nR1,R\n", encoding="utf-8")
    (d / "orders.csv").write_text(
        "order_id,buyer_id,seller_id,amount,ordered_at,kind\n"
        "O1,C1,R1,100.00,2024-01-05,retail\n", encoding="utf-8")
    (d / "payouts.csv").write_text(
        "payout_id,recipient_id,amount,paid_at,kind,source_agent_id\n"
        "P1,R1,40.00,2024-01-20,retail_commission,R1\n", encoding="utf-8")
    return d


def test_audit_with_a_pack_file_and_set(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "cap.yaml"
    pack.write_text(
        "pack: cap\nversion: 1\ntitle: {en: cap, zh: 上限}\nrules:\n"
        "  - id: CAP-01\n    check: payout_cap\n    severity: high\n"
        "    title: {en: cap, zh: 上限}\n    params: {max_ratio: 0.3}\n", encoding="utf-8")
    data = _data(tmp_path)
    args = ["audit", str(data), "--pack", str(pack), "--format", "json"]
    assert run_cli(args) == 1
    report = json.loads(capsys.readouterr().out)
    agent = next(f for f in report["findings"] if f["subject"]["kind"] == "agent")
    assert agent["rule_id"] == "CAP-01" and agent["evidence"]["ratio"] == 0.4
    assert run_cli([*args, "--set", "CAP-01.max_ratio=0.4"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    assert run_cli([*args, "--set", "CAP-01.max_rate=0.4"]) == 2
    assert "did you mean 'max_ratio'?" in capsys.readouterr().err
