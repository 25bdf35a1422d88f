"""cross_line_payouts: payouts sourced from outside the recipient's downline."""

from __future__ import annotations

from mlm_audit.checks import cross_line_payouts
from tests.checks._build_b import build, star

P = cross_line_payouts.Params


def _net(source: str):
    payouts = [{"recipient_id": "R1", "amount": 700, "kind": "override",
                "source_agent_id": source},
               {"recipient_id": "R", "amount": 50, "kind": "override", "source_agent_id": "R2"}]
    return build(star(2) + [("R11", "R1")], [], payouts)


def test_fires_per_payout_with_both_chains() -> None:
    found = list(cross_line_payouts.run(_net("R2"), P()))
    assert [f.subject.kind for f in found] == ["network", "payout"]
    assert found[0].evidence["count"] == 1
    p = found[1]
    assert p.subject.id == "P1" and p.evidence["row"] == 1
    assert p.evidence["recipient_chain"] == ["R", "R1"]
    assert p.evidence["source_chain"] == ["R", "R2"]


def test_downline_sources_are_quiet() -> None:
    assert list(cross_line_payouts.run(_net("R11"), P())) == []


def test_max_count_boundary() -> None:
    assert list(cross_line_payouts.run(_net("R2"), P(max_count=1))) == []
    assert len(list(cross_line_payouts.run(_net("R2"), P(max_findings=0)))) == 1
