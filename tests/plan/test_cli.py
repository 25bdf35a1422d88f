"""``mlm-audit plan check`` / ``plan simulate``: exit codes, JSON, and the audit round trip."""

from __future__ import annotations

import csv
import json

import pytest

from mlm_audit.cli.main import run_cli
from tests.plan.conftest import PLANS


def plan(name: str) -> str:
    return str(PLANS / f"{name}.yaml")


@pytest.mark.parametrize(("name", "code"), [("cps-shop", 0), ("licensed-direct-selling", 0),
                                            ("headcount-pyramid", 1),
                                            ("wechat-agency-stocking", 1)])
def test_check_exit_codes(name, code, capsys):
    assert run_cli(["plan", "check", plan(name)]) == code
    out = capsys.readouterr().out
    assert ("verdict: fail" in out) == bool(code)


def test_check_json_and_fail_on(capsys):
    assert run_cli(["plan", "check", plan("wechat-agency-stocking"), "-f", "json",
                    "--pack", "plan-gate"]) == 0  # plan-gate alone: medium findings only
    doc = json.loads(capsys.readouterr().out)
    assert doc["inputs"][0]["table"] == "plan" and doc["summary"]["verdict"] == "pass"
    assert {f["rule_id"] for f in doc["findings"]} >= {"PG-BUYBACK-90-12M"}
    assert all(f["evidence"]["where"].startswith(plan("wechat-agency-stocking"))
               for f in doc["findings"])
    assert run_cli(["plan", "check", plan("wechat-agency-stocking"), "--pack", "plan-gate",
                    "--fail-on", "medium", "-f", "json"]) == 1


def test_check_set_override(capsys):
    args = ["plan", "check", plan("headcount-pyramid"), "--pack", "baseline", "-f", "json"]
    assert run_cli(args) == 1
    capsys.readouterr()
    assert run_cli([*args, "--set", "BASE-ORG-30-3.min_levels=100",
                    "--set", "BASE-DEPTH.max_levels=1000"]) == 1  # unlimited depth still fails
    doc = json.loads(capsys.readouterr().out)
    by_rule = {f["rule_id"]: f["evidence"] for f in doc["findings"]}
    assert by_rule["BASE-DEPTH"]["max_levels"] == 1000
    assert by_rule["BASE-ORG-30-3"]["min_levels"] == 100
    assert run_cli([*args, "--set", "BASE-DEPTH.nope=1"]) == 2


def test_invalid_plan_exits_2_with_location(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: x\ncurrency: CNY\njoin: {fee: abc}\n", encoding="utf-8")
    assert run_cli(["plan", "check", str(bad)]) == 2
    assert f"{bad}:3:" in capsys.readouterr().err
    assert run_cli(["plan", "check", str(tmp_path / "missing.yaml")]) == 2
    assert run_cli(["plan", "check", plan("cps-shop"), "--pack", "nope"]) == 2
    assert run_cli(["plan", "simulate", plan("cps-shop"), "--churn", "2"]) == 2
    assert "--churn" in capsys.readouterr().err


def test_simulate_json_and_audit_round_trip(tmp_path, capsys):
    out = tmp_path / "net"
    assert run_cli(["plan", "simulate", plan("headcount-pyramid"), "-n", "3000", "-m", "18",
                    "--seed", "4", "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    s = doc["summary"]
    assert len(doc["monthly"]) == 18 and doc["params"]["seed"] == 4
    assert doc["out"]["rows"]["agents"] == s["participants"]
    for key in ("loss_share", "loss_share_active", "median_income", "top1_income_share",
                "revenue_external", "revenue_participants", "months_to_saturation", "depth"):
        assert key in s
    with (out / "orders.csv").open(encoding="utf-8") as fh:
        order_ids = {row["order_id"] for row in csv.DictReader(fh)}
    with (out / "payouts.csv").open(encoding="utf-8") as fh:
        linked = [row["source_order_id"] for row in csv.DictReader(fh) if row["source_order_id"]]
    assert linked and set(linked) <= order_ids  # every payout names an order that exists
    # the simulated network is judged by the same checks as real data
    assert run_cli(["audit", str(out), "-f", "json"]) == 1
    audit = json.loads(capsys.readouterr().out)
    assert audit["summary"]["data_issues"]["error"] == 0
    assert {f["rule_id"] for f in audit["findings"]} >= {"BASE-ORG-30-3"}
    assert audit["inputs"][0]["rows_loaded"] == s["participants"]


def test_simulate_text(capsys):
    assert run_cli(["plan", "simulate", plan("cps-shop"), "-n", "2000", "-m", "6"]) == 0
    out = capsys.readouterr().out
    assert "net loss" in out and "participants" in out


def test_lawful_plan_simulated_network_passes_audit(tmp_path, capsys):
    out = tmp_path / "cps"
    assert run_cli(["plan", "simulate", plan("cps-shop"), "-n", "3000", "-m", "12",
                    "--format", "json", "--out", str(out)]) == 0
    capsys.readouterr()
    assert run_cli(["audit", str(out), "-f", "json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert audit["summary"]["failing"] == 0 and audit["stats"]["payouts"] > 0
