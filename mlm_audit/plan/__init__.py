"""Compensation plans: the plan file format, static plan checks and the Monte Carlo simulator.

Kept free of imports on purpose: ``mlm_audit.checks`` imports the plan-only check types from
``mlm_audit.plan.checks``, and ``plan check`` must start fast (no polars on its path).
"""
