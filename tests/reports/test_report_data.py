"""The aggregated report tables: exact sums, buckets and caps, checked against naive code."""

from __future__ import annotations

import numpy as np
import polars as pl

from mlm_audit import preflight, report_data
from mlm_audit.model import AuditResult
from mlm_audit.schema import Dataset


def test_levels_match_a_naive_sum(sample: AuditResult) -> None:
    levels = sample.tables["levels"]
    assert [r["agents"] for r in levels] == [3, 7, 15, 30, 1, 1]
    assert sum(r["entry"] for r in levels) == 52 * 9_900
    assert sum(r["payouts"] for r in levels) == sample.tables["income"]["payouts_total"]
    assert levels[0]["payouts"] == 150_000 + 60_000 + 2_000


def test_income_distribution(sample: AuditResult) -> None:
    inc = sample.tables["income"]
    assert inc["agents"] == 57
    assert inc["losing"] == 50 and inc["share_net_loss"] == round(50 / 57, 4)
    assert inc["top1_agents"] == 1 and inc["top1_payouts"] == 210_000
    assert inc["median"] == -9_900
    assert sum(b["count"] for b in inc["buckets"]) == 57


def test_log_buckets_cover_every_value() -> None:
    values = np.array([1, 1, 2, 4, 5, 9, 10, 99, 100, 12345])
    rows = report_data.log_buckets(values)
    assert sum(r["count"] for r in rows) == values.size
    assert rows[0] == {"lo": 1, "hi": 1, "count": 2}
    assert rows[-1]["lo"] <= 12345 <= rows[-1]["hi"]
    zero = report_data.log_buckets(np.array([0, 0, 3]), start=0)
    assert zero[0] == {"lo": 0, "hi": 0, "count": 2}


def test_signed_buckets_mirror_losses() -> None:
    rows = report_data.signed_buckets(np.array([-150_000, -50, 0, 0, 50, 2_000_00]))
    assert [r["count"] for r in rows] == [1, 1, 2, 1, 1]
    assert rows[0]["hi"] < 0 and rows[2] == {"lo": 0, "hi": 0, "count": 2}


def _chain(n: int) -> Dataset:
    ids = [f"a{i}" for i in range(n)]
    return Dataset.from_frames(pl.DataFrame({"agent_id": ids, "sponsor_id": [None, *ids[:-1]]}))


def test_deep_levels_are_summed_into_one_row() -> None:
    net, _ = preflight.run(_chain(report_data.LEVEL_ROWS + 40))
    rows = report_data.compute(net, [])["levels"]
    assert len(rows) == report_data.LEVEL_ROWS + 1
    assert rows[-1]["level"] == f"{report_data.LEVEL_ROWS + 1}+"
    assert rows[-1]["agents"] == 40 and rows[-1]["to"] == report_data.LEVEL_ROWS + 40
    assert report_data.compute(net, [])["has_money"] is False


def test_evidence_subgraph_is_capped(sample: AuditResult, monkeypatch) -> None:
    assert sample.tables["flagged_agents_total"] == 2  # R1 and the deepest agent
    assert sample.tables["evidence_truncated"] is False
    assert len(sample.tables["evidence_agents"]) == 6
    roles = {a["agent_id"]: a["role"] for a in sample.tables["evidence_agents"]}
    assert roles["R1"] == "flagged" and roles["C111"] == "chain"
    from tests.reports.sample import sample_result

    monkeypatch.setattr(report_data, "EVIDENCE_NODES", 3)
    capped = sample_result()
    assert len(capped.tables["evidence_agents"]) == 3
    assert capped.tables["evidence_truncated"] is True
    assert capped.tables["flagged_agents_total"] == 2


def test_rule_catalog_marks_rules_that_cannot_run(sample: AuditResult) -> None:
    assert [r["id"] for r in sample.rules] == ["BASE-DEPTH", "BASE-ORG-30-3"]
    assert all(r["skipped"] is None for r in sample.rules)
    assert sample.rules[1]["params"]["min_participants"] == 30


def test_deep_organizations_are_counted_together() -> None:
    rows = report_data.histogram(np.array([2, 2, 5, report_data.LEVEL_ROWS + 9]))
    assert rows[0] == {"value": 2, "label": "2", "count": 2}
    assert rows[-1]["label"] == f"{report_data.LEVEL_ROWS + 1}+" and rows[-1]["count"] == 1
