"""income_concentration: top earners' share of payouts, Gini, median."""

from __future__ import annotations

import numpy as np
import pytest

from mlm_audit.checks import income_concentration
from tests.checks._build_b import build, star

P = income_concentration.Params


def _net(amounts: list[int]):
    agents = star(len(amounts) - 1)
    payouts = [{"recipient_id": a, "amount": v} for (a, _), v in zip(agents, amounts, strict=True)
               if v]
    return build(agents, [], payouts)


def test_fires_and_names_top_earners() -> None:
    net = _net([9000] + [100] * 9 + [0] * 90)
    (f,) = income_concentration.run(net, P(top_fraction=0.01, max_share=0.5))
    assert f.evidence["top_count"] == 1 and f.evidence["top_share"] == 0.9091
    assert f.evidence["top_agents"] == [{"agent_id": "R", "paid": 9000}]
    assert f.evidence["zero_share"] == 0.9 and f.evidence["median"] == 0


def test_equal_incomes_are_quiet_and_boundary() -> None:
    assert list(income_concentration.run(_net([100] * 100), P())) == []
    # top 1 of 2 takes exactly half: not above
    assert list(income_concentration.run(_net([100, 100]), P(top_fraction=0.5))) == []


def test_gini() -> None:
    assert income_concentration.gini(np.array([1, 1, 1, 1])) == pytest.approx(0.0)
    assert income_concentration.gini(np.array([0, 0, 0, 4])) == pytest.approx(0.75)
