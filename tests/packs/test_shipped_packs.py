"""Every shipped pack loads, its rules validate, and the packs keep their promises."""

from __future__ import annotations

import pytest

from mlm_audit.packs import collect_rules, load_pack, shipped_packs

EXPECTED = {
    "baseline", "cn-anti-pyramid", "cn-direct-selling", "wechat-distribution", "us-ftc",
    "eu-ucpd", "vn-mlm", "kr-door-to-door", "tw-mlm", "jp-scta", "uk-trading-schemes",
    "industry-dsa",
}


def test_all_packs_are_shipped() -> None:
    assert set(shipped_packs()) >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pack_loads_and_rules_are_documented(name: str) -> None:
    pack = load_pack(name)
    assert pack.name == name and pack.model.description
    for rule in pack.rules:
        m = rule.model
        assert m.references, f"{rule.id}: no references"
        assert all(r.source for r in m.references)
        if m.basis == "engineering-default":
            assert m.note, f"{rule.id}: an engineering default must say so in a note"
        if m.basis == "benchmark":
            assert m.severity.value == "info", f"{rule.id}: benchmarks are context"


def test_packs_can_run_together() -> None:
    """A rule id shared by two packs is defined identically in both."""
    rules = collect_rules([load_pack(n) for n in sorted(EXPECTED)])
    assert len({r.id for r in rules}) == len(rules)


def test_chinese_counting_rules_are_exact() -> None:
    rules = {r.id: r for r in load_pack("cn-anti-pyramid").rules}
    cr01 = rules["CN-CR-01"].params.model_dump()
    assert cr01 == {"min_participants": 30, "min_levels": 3, "count_all": False,
                    "requires_recruitment_pay": True, "report": "topmost"}
    assert rules["CN-CR-01"].model.severity.value == "critical"
    cr02 = rules["CN-CR-02"].params.model_dump()
    assert (cr02["min_participants"], cr02["count_all"]) == (120, True)
    assert "250000000" in rules["CN-CR-02b"].params.model_dump()["where"]  # ¥2.5M in fen


def test_no_unverified_wechat_tier_count() -> None:
    for rule in load_pack("wechat-distribution").rules:
        assert "max_levels" not in rule.params.model_dump()
        if rule.model.check == "deep_commissions" and rule.model.severity.value != "info":
            # one level (CPS) allowed: the only line official text supports
            assert rule.params.model_dump()["max_generations"] >= 1


def test_baseline_depth_is_context() -> None:
    rules = {r.id: r for r in load_pack("baseline").rules}
    assert rules["BASE-DEPTH"].model.severity.value == "info"


def test_secondary_korean_burden_is_marked() -> None:
    kr4 = {r.id: r for r in load_pack("kr-door-to-door").rules}["KR-4"]
    assert "[S]" in kr4.model.note and kr4.model.severity.value != "high"
