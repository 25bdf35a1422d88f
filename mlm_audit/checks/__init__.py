"""Registry of check types. Adding a check = adding a module and one line here."""

from __future__ import annotations

from mlm_audit.checks import (
    cross_line_payouts,
    deep_commissions,
    entry_payments,
    excess_depth,
    expression,
    income_concentration,
    internal_sales,
    inventory_loading,
    missing_buyback,
    missing_cooling_off,
    missing_returns,
    non_retail_rewards,
    organization_size_and_depth,
    participant_losses,
    payout_cap,
    purchase_to_qualify,
    rank_by_headcount,
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
    non_retail_rewards,
    payout_cap,
    participant_losses,
    income_concentration,
    cross_line_payouts,
    expression,
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
