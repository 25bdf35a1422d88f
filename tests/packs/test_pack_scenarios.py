"""Lawful networks stay quiet under the core packs; pyramid and stocking networks are flagged."""

from __future__ import annotations

from functools import cache

import pytest

from mlm_audit.engine import run_rules
from mlm_audit.model import Severity, StampedFinding
from mlm_audit.network import Network
from mlm_audit.packs import collect_rules, load_pack
from tests.packs import _networks

CORE = ("baseline", "cn-anti-pyramid", "us-ftc")


@cache
def _net(name: str) -> Network:
    return getattr(_networks, name)()  # type: ignore[no-any-return]


def _run(name: str, packs: tuple[str, ...]) -> list[StampedFinding]:
    rules = collect_rules([load_pack(p) for p in packs])
    return run_rules(_net(name), rules)[0]


@pytest.mark.parametrize("scenario", ["retail", "cps"])
@pytest.mark.parametrize("pack", CORE)
def test_lawful_networks_are_quiet(scenario: str, pack: str) -> None:
    loud = [(f.rule_id, f.severity.value, f.message) for f in _run(scenario, (pack,))
            if f.severity.rank > Severity.info.rank]
    assert loud == []


def test_cps_depth_is_reported_as_context_only() -> None:
    found = _run("cps", ("baseline",))
    assert {f.rule_id for f in found} == {"BASE-DEPTH"}


def test_pyramid_is_flagged_with_its_organizer() -> None:
    found = _run("pyramid", CORE)
    by_rule = {f.rule_id: f for f in found}
    assert by_rule["CN-CR-01"].severity is Severity.critical
    assert by_rule["CN-CR-01"].subject.id == "A1"
    assert by_rule["CN-CR-02"].subject.id == "A1"
    assert by_rule["CN-AP-01"].severity is Severity.high
    assert "BASE-NON-RETAIL" in by_rule and "US-HLF-1" in by_rule
    assert by_rule["US-BL-3"].evidence["paying"]["share"] > 0.5


def test_stocking_is_flagged() -> None:
    found = _run("stocking", CORE)
    rules = {f.rule_id for f in found}
    assert {"BASE-ORG-30-3", "BASE-NON-RETAIL", "US-OMN-1"} <= rules
    assert max(f.severity.rank for f in found) >= Severity.high.rank


def test_other_packs_flag_the_pyramid() -> None:
    found = _run("pyramid", ("cn-direct-selling", "wechat-distribution", "eu-ucpd",
                             "uk-trading-schemes", "vn-mlm", "tw-mlm"))
    rules = {f.rule_id for f in found}
    assert {"CN-DS-02", "CN-DS-03", "WX-02", "WX-03", "EU-UCPD-14a", "UK-TS-1", "VN-2",
            "TW-1"} <= rules
