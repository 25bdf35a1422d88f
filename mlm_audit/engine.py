"""run_audit: rules over a network -> AuditResult. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mlm_audit import __version__
from mlm_audit.checks import REGISTRY
from mlm_audit.metrics.attribution import views_fit
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
from mlm_audit.scan.facts import ScanPlan

Progress = Callable[[str], None]
Waive = Callable[[list[StampedFinding]], list[str]]
RULE_WORKERS = 2  # engineering default: rules run side by side when the facts are small


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


def scan_needs(rules: Sequence[Rule]) -> ScanPlan:
    """What the rules ask of the scans: the widest entry window and the most cross-line
    payouts any rule itemizes."""
    days = [int(getattr(r.params, name, 0) or 0) for r in rules
            for name in ("entry_window_days", "first_purchase_window_days")]
    top = [int(getattr(r.params, "max_findings", 0)) for r in rules
           if r.model.check == "cross_line_payouts"]
    return ScanPlan(max(days, default=0), max(top, default=0))


def start_order(rules: Sequence[Rule]) -> list[int]:
    """Positions of ``rules`` in the order to start them side by side: heavier check types
    first (:attr:`CheckType.weight`), so that a long rule does not start last; otherwise in
    rule order. Findings are taken in rule order whatever this order is."""
    return sorted(range(len(rules)), key=lambda i: -REGISTRY[rules[i].model.check].weight)


def run_rules(
    net: Network, rules: Sequence[Rule], progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[list[StampedFinding], list[str]]:
    """Run every rule; returns stamped findings (sorted) and notes on skipped rules.

    Rules only read the network, so they run side by side (``workers``; by default
    :data:`RULE_WORKERS` while the fact tables are small enough for their views to be kept,
    one at a time beyond, so that memory at scale holds one rule's views). The scans are
    settled for every rule first, so no rule rescans while another reads.
    """
    findings: list[StampedFinding] = []
    notes: list[str] = []
    # plan-only check types (rules/plan-gate.yaml) need a plan, which a data audit lacks
    available = {"orders": net.has_orders, "payouts": net.has_payouts, "plan": False}
    runnable: list[Rule] = []
    for rule in rules:
        ct = REGISTRY[rule.model.check]
        missing = [t for t in ct.needs if not available.get(t, True)]
        if missing:
            notes.append(f"rule {rule.id} ({ct.name}) skipped: needs {' and '.join(missing)}")
        else:
            runnable.append(rule)
    needs = scan_needs(runnable)
    net.require(needs.max_days, needs.cross_top)

    def job(rule: Rule) -> list[StampedFinding]:
        ct = REGISTRY[rule.model.check]
        return stamp(rule, ct.name, ct.run(net, rule.params))

    n = workers if workers is not None else (RULE_WORKERS if views_fit(net) else 1)
    if n > 1 and len(runnable) > 1:
        with ThreadPoolExecutor(n, thread_name_prefix="mlm-audit-rules") as pool:
            started = {i: pool.submit(job, runnable[i]) for i in start_order(runnable)}
            futures = [started[i] for i in range(len(runnable))]
            try:
                for rule, done in zip(runnable, futures, strict=True):
                    if progress:
                        progress(rule.id)
                    findings.extend(done.result())
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
    else:
        for rule in runnable:
            if progress:
                progress(rule.id)
            findings.extend(job(rule))
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
