from __future__ import annotations

from pathlib import Path

import pytest

from mlm_audit.plan.loader import Plan, load_plan, parse_plan

PLANS = Path(__file__).resolve().parents[2] / "sample_data" / "plans"


@pytest.fixture
def sample() -> dict[str, Plan]:
    return {p.stem: load_plan(p) for p in sorted(PLANS.glob("*.yaml"))}


def plan_of(text: str) -> Plan:
    return parse_plan("plan: t\ncurrency: CNY\n" + text, "t.yaml")
