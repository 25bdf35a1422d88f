"""run_audit: rules over a network -> AuditResult. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from mlm_audit import __version__
from mlm_audit.checks import REGISTRY
from mlm_audit.model import (
    AuditResult,
    DataIssue,
    Finding,
    InputInfo,
    Severity,
    StampedFinding,
    fingerprint,
)
from mlm_audit.network import Network
from mlm_audit.packs import Pack, Rule

Progress = Callable[[str], None]
Waive = Callable[[list[StampedFinding]], list[str]]


def tool_info() -> dict[str, str]:
    return {"name": "mlm-audit", "version": __version__}


def stamp(rule: Rule, check: str, found: Iterable[Finding]) -> list[StampedFinding]:
    """Stamp a check's findings with its rule: id, severity, title, references, fingerprint.

    Shared by data audits (``run_rules``) and plan audits (``mlm_audit.plan.gate``).
    """
    out: list[StampedFinding] = []
    seen: set[str] = set()
    for f in found:
        fp = fingerprint(rule.id, f.subject, f.period)
        if fp in seen:  # a check must not report one subject twice per period
            continue
        seen.add(fp)
        out.append(
            StampedFinding(
                rule_id=rule.id,
                check=check,
                severity=rule.model.severity,
                title=rule.model.title.model_dump(),
                subject=f.subject,
                message=f.message,
                evidence=f.evidence,
                references=[r.to_reference() for r in rule.model.references],
                fingerprint=fp,
                period=f.period,
            )
        )
    return out


def run_rules(
    net: Network, rules: Sequence[Rule], progress: Progress | None = None
) -> tuple[list[StampedFinding], list[str]]:
    """Run every rule; returns stamped findings (sorted) and notes on skipped rules."""
    findings: list[StampedFinding] = []
    notes: list[str] = []
    # plan-only check types (rules/plan-gate.yaml) need a plan, which a data audit lacks
    available = {"orders": net.has_orders, "payouts": net.has_payouts, "plan": False}
    for rule in rules:
        ct = REGISTRY[rule.model.check]
        missing = [t for t in ct.needs if not available.get(t, True)]
        if missing:
            notes.append(f"rule {rule.id} ({ct.name}) skipped: needs {' and '.join(missing)}")
            continue
        if progress:
            progress(rule.id)
        findings.extend(stamp(rule, ct.name, ct.run(net, rule.params)))
    findings.sort(key=StampedFinding.sort_key)
    return findings, notes


def run_audit(
    net: Network,
    packs: Sequence[Pack],
    rules: Sequence[Rule],
    data_issues: Sequence[DataIssue],
    inputs: Sequence[InputInfo],
    fail_on: Severity = Severity.high,
    waive: Waive | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    findings, notes = run_rules(net, rules, progress)
    if waive is not None:
        notes.extend(waive(findings))
    stats: dict[str, Any] = net.summary()
    return AuditResult(
        tool=tool_info(),
        inputs=list(inputs),
        packs=[p.to_dict() for p in packs],
        data_issues=sorted(data_issues, key=lambda i: i.sort_key()),
        findings=findings,
        stats=stats,
        fail_on=fail_on,
        notes=notes,
    )
