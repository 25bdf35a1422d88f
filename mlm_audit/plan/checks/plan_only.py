"""Plan-only check types, registered in ``mlm_audit.checks.REGISTRY``."""

from __future__ import annotations

from types import ModuleType

from mlm_audit.plan.checks import (
    missing_buyback,
    missing_cooling_off,
    missing_returns,
    purchase_to_qualify,
    rank_by_headcount,
)

PLAN_ONLY: list[ModuleType] = [
    missing_buyback, missing_cooling_off, missing_returns, purchase_to_qualify, rank_by_headcount,
]
