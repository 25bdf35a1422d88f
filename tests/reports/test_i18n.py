from __future__ import annotations

import json
from importlib import resources

import pytest

from mlm_audit import i18n
from mlm_audit.model import AuditResult, InputError
from mlm_audit.reports import RENDERERS


def test_catalogs_have_the_same_keys() -> None:
    en, zh = i18n.catalog("en"), i18n.catalog("zh")
    assert set(en) == set(zh)
    for key in en:  # placeholders must agree, or a language would crash or lose a figure
        assert i18n._fields(en[key]) == i18n._fields(zh[key]), key


def test_catalog_files_are_plain_json() -> None:
    for lang in i18n.LANGS:
        text = resources.files("mlm_audit.i18n").joinpath(f"{lang}.json").read_text("utf-8")
        assert isinstance(json.loads(text), dict)


def test_unknown_language_is_a_usage_error(sample: AuditResult) -> None:
    with pytest.raises(InputError, match="--lang"):
        RENDERERS["html"](sample, lang="fr")


def test_chinese_reports_use_pack_titles_and_catalog(sample: AuditResult) -> None:
    zh = RENDERERS["md"](sample, lang="zh")
    en = RENDERERS["md"](sample, lang="en")
    assert "组织内参与人员三十人以上且层级三级以上" in zh
    assert "Organization of 30 or more paying participants" in en
    assert "R1 领导的组织有参与人员 53 人" in zh
    assert "organization led by R1 has 53 participants" in en
    html = RENDERERS["html"](sample, lang="zh")
    assert '<html lang="zh-CN">' in html and "证据报告" in html


def test_finding_message_falls_back_to_the_check_message(sample: AuditResult) -> None:
    from dataclasses import replace

    f = sample.findings[0]
    unknown = replace(f, check="not_in_catalog", message="plain message")
    assert i18n.finding_message(unknown, "zh") == "plain message"
    missing = replace(f, evidence={})  # template placeholders cannot be filled
    assert i18n.finding_message(missing, "zh") == f.message


def test_data_issues_are_described_in_chinese(sample: AuditResult) -> None:
    issue = next(i for i in sample.data_issues if i.code == "orphan_sponsor")
    assert i18n.issue_message(issue, "en") == issue.message
    assert i18n.issue_message(issue, "zh").startswith("推荐人不在人员名单中：")
    assert "推荐人不在人员名单中" in RENDERERS["md"](sample, lang="zh")


def test_plan_findings_keep_their_own_message_in_every_language():
    from mlm_audit import i18n
    from mlm_audit.model import Severity, StampedFinding, Subject

    f = StampedFinding(
        rule_id="CN-CR-01", check="organization_size_and_depth", severity=Severity.critical,
        title={"en": "t", "zh": "t"}, subject=Subject("plan", "pyramid"),
        message="the plan pays on recruits", evidence={"participants": 30, "levels": 3},
        references=[], fingerprint="x")
    assert i18n.finding_message(f, "zh") == "the plan pays on recruits"


def test_plan_only_rules_are_listed_as_skipped_in_data_audits():
    import polars as pl

    from mlm_audit import preflight, report_data
    from mlm_audit.packs import collect_rules, load_pack
    from mlm_audit.schema import Dataset

    net, _ = preflight.run(Dataset.from_frames(pl.DataFrame(
        {"agent_id": ["a", "b"], "sponsor_id": [None, "a"]})))
    catalog = report_data.rule_catalog(net, collect_rules([load_pack("plan-gate")]))
    assert catalog and all(r["skipped"] == "needs plan" for r in catalog)
