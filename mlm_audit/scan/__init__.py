"""Scans: orders and payouts reduced to per-agent-month fact tables (docs/scans.md)."""
