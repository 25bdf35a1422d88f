"""Registry of check types. Adding a check = adding a module and one line here."""

from __future__ import annotations

from mlm_audit.checks import excess_depth, organization_size_and_depth
from mlm_audit.checks.base import CheckParams, CheckType
from mlm_audit.plan.checks.plan_only import PLAN_ONLY  # plan-only types (rules/plan-gate.yaml)

_MODULES = [
    excess_depth,
    organization_size_and_depth,
    *PLAN_ONLY,
]

REGISTRY: dict[str, CheckType] = {
    ct.name: ct for ct in sorted((CheckType.from_module(m) for m in _MODULES), key=lambda c: c.name)
}

__all__ = ["REGISTRY", "CheckParams", "CheckType"]
