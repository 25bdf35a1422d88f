"""Registry of check types. Adding a check = adding a module and one line here."""

from __future__ import annotations

from mlm_audit.checks import (
    cross_line_payouts,
    excess_depth,
    expression,
    income_concentration,
    non_retail_rewards,
    organization_size_and_depth,
    participant_losses,
    payout_cap,
)
from mlm_audit.checks.base import CheckParams, CheckType

_MODULES = [
    excess_depth,
    organization_size_and_depth,
    non_retail_rewards,
    payout_cap,
    participant_losses,
    income_concentration,
    cross_line_payouts,
    expression,
]

REGISTRY: dict[str, CheckType] = {
    ct.name: ct for ct in sorted((CheckType.from_module(m) for m in _MODULES), key=lambda c: c.name)
}

__all__ = ["REGISTRY", "CheckParams", "CheckType"]
