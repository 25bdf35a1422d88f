"""participant_losses: share of participants with negative net."""

from __future__ import annotations

from mlm_audit.checks import participant_losses
from tests.checks._build_b import build, star

P = participant_losses.Params


def _net(losers: int, n: int = 4):
    agents = [{"agent_id": a, "sponsor_id": s, "fees_paid": 1000 if i and i <= losers else 0}
              for i, (a, s) in enumerate(star(n))]
    payouts = [{"recipient_id": "R", "amount": 5000, "kind": "recruitment_bonus"}]
    return build(agents, [], payouts)


def test_fires_with_all_three_figures() -> None:
    found = list(participant_losses.run(_net(losers=3), P(max_share=0.5)))
    (f,) = found
    assert f.evidence["share"] == 0.6 and f.evidence["losers"] == 3
    assert f.evidence["all"] == {"participants": 5, "losers": 3, "share": 0.6}
    assert f.evidence["paying"] == {"participants": 3, "losers": 3, "share": 1.0}
    assert f.evidence["active"]["participants"] == 1  # only R was paid; fees are not activity
    assert [w["agent_id"] for w in f.evidence["worst_agents"]] == ["R1", "R2", "R3"]
    assert f.evidence["total_loss"] == -3000


def test_boundary_half_is_quiet() -> None:
    assert list(participant_losses.run(_net(losers=2, n=3), P(max_share=0.5))) == []


def test_paying_only_population() -> None:
    net = _net(losers=1, n=4)
    assert list(participant_losses.run(net, P(max_share=0.5))) == []
    found = list(participant_losses.run(net, P(max_share=0.5, paying_only=True)))
    assert found and found[0].evidence["population"] == "paying"


def test_min_participants() -> None:
    assert list(participant_losses.run(_net(losers=3), P(min_participants=10))) == []
