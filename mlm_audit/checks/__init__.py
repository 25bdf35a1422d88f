"""Registry of check types. Adding a check = adding a module and one line here."""

from __future__ import annotations

from mlm_audit.checks import (
    excess_depth,
    missing_buyback,
    missing_cooling_off,
    missing_returns,
    organization_size_and_depth,
    purchase_to_qualify,
    rank_by_headcount,
)
from mlm_audit.checks.base import CheckParams, CheckType

_MODULES = [
    excess_depth,
    organization_size_and_depth,
    # plan-only check types (NEEDS = ("plan",)): rules/plan-gate.yaml, run by `plan check`
    missing_buyback,
    missing_cooling_off,
    missing_returns,
    purchase_to_qualify,
    rank_by_headcount,
]

REGISTRY: dict[str, CheckType] = {
    ct.name: ct for ct in sorted((CheckType.from_module(m) for m in _MODULES), key=lambda c: c.name)
}

__all__ = ["REGISTRY", "CheckParams", "CheckType"]
