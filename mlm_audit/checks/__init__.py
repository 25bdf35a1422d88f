"""Registry of check types. Adding a check = adding a module and one line here."""

from __future__ import annotations

from mlm_audit.checks import (
    deep_commissions,
    entry_payments,
    excess_depth,
    internal_sales,
    inventory_loading,
    organization_size_and_depth,
    recruitment_rewards,
    recruitment_surge,
)
from mlm_audit.checks.base import CheckParams, CheckType

_MODULES = [
    excess_depth,
    organization_size_and_depth,
    recruitment_surge,
    deep_commissions,
    recruitment_rewards,
    entry_payments,
    inventory_loading,
    internal_sales,
]

REGISTRY: dict[str, CheckType] = {
    ct.name: ct for ct in sorted((CheckType.from_module(m) for m in _MODULES), key=lambda c: c.name)
}

__all__ = ["REGISTRY", "CheckParams", "CheckType"]
