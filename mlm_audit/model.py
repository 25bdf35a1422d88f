"""Result types shared by loaders, checks, engine, renderers and the store.

Everything here is plain data: JSON-safe via ``to_dict`` and ordered deterministically.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """Finding severity, ordered from least to most serious (regulations.md §0)."""

    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r}; expected one of: {allowed}") from None


_SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


class IssueLevel(str, Enum):
    """Severity of a data-quality issue found while loading or in preflight."""

    info = "info"
    warning = "warning"
    error = "error"


@dataclass(frozen=True)
class Subject:
    """What a finding is about: ``network``, ``organization`` (root agent id), ``agent``,
    ``order`` or ``payout``."""

    kind: str
    id: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


NETWORK = Subject("network", "*")


@dataclass(frozen=True)
class Finding:
    """What a check yields. The engine adds rule id, severity, title, references, fingerprint.

    ``period`` (e.g. ``2024-03``) is part of the business identity of a finding; leave it
    ``None`` for findings that are not tied to a window.
    """

    subject: Subject
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    period: str | None = None


@dataclass(frozen=True)
class Reference:
    source: str
    article: str = ""
    url: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "article": self.article, "url": self.url}


@dataclass
class StampedFinding:
    """A finding as reported: stamped by the engine with its rule."""

    rule_id: str
    check: str
    severity: Severity
    title: dict[str, str]
    subject: Subject
    message: str
    evidence: dict[str, Any]
    references: list[Reference]
    fingerprint: str
    period: str | None = None
    waived: bool = False
    waiver: dict[str, Any] | None = None

    def sort_key(self) -> tuple[int, str, str, str, str]:
        return (-self.severity.rank, self.rule_id, self.subject.kind, self.subject.id,
                self.period or "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "check": self.check,
            "severity": self.severity.value,
            "title": dict(sorted(self.title.items())),
            "subject": self.subject.to_dict(),
            "period": self.period,
            "message": self.message,
            "evidence": self.evidence,
            "references": [r.to_dict() for r in self.references],
            "fingerprint": self.fingerprint,
            "waived": self.waived,
        }
        if self.waiver is not None:
            out["waiver"] = self.waiver
        return out


def fingerprint(rule_id: str, subject: Subject, period: str | None) -> str:
    """Stable identity of a finding: rule + subject + period, never row numbers or run order."""
    key = "\x1f".join([rule_id, subject.kind, subject.id, period or ""])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class DataIssue:
    """A data-quality problem, located as precisely as the input allows."""

    code: str
    level: IssueLevel
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    table: str | None = None
    count: int = 1

    def sort_key(self) -> tuple[str, str, int, str, str]:
        return (self.file or "", self.table or "", self.row or 0, self.column or "", self.code)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["level"] = self.level.value
        return d

    def location(self) -> str:
        parts = [p for p in (self.file, str(self.row) if self.row else None, self.column) if p]
        return ":".join(parts) if parts else "-"


@dataclass(frozen=True)
class InputInfo:
    """One input file as read: path, content hash and row accounting."""

    table: str
    path: str
    sha256: str
    encoding: str
    format: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class InputError(Exception):
    """Input that cannot be used at all (exit code 2). The message names the place."""


@dataclass
class AuditResult:
    """Everything an audit produced. Renderers and the store read only this."""

    tool: dict[str, str]
    inputs: list[InputInfo]
    packs: list[dict[str, Any]]
    data_issues: list[DataIssue]
    findings: list[StampedFinding]
    stats: dict[str, Any]
    fail_on: Severity = Severity.high
    notes: list[str] = field(default_factory=list)
    # Set only when a baseline was applied: findings known in the baseline, left out above.
    suppressed_by_baseline: int | None = None
    # Set only when a waiver file was given: one entry per waiver with its status
    # (applied / expired / unused) and how many findings it matched.
    waivers: list[dict[str, Any]] | None = None
    # The rules that ran (id, pack, check, severity, title, params, references): reports list
    # passing rules too (JUnit test cases, SARIF rule descriptors).
    rules: list[dict[str, Any]] = field(default_factory=list)
    # Aggregated report tables computed once by the library (mlm_audit.report_data): per-level
    # money, distributions, flagged agents. Small at any scale; renderers only read them.
    tables: dict[str, Any] = field(default_factory=dict)

    def counts_by_severity(self, include_waived: bool = False) -> dict[str, int]:
        counts = {s.value: 0 for s in reversed(list(Severity))}
        for f in self.findings:
            if include_waived or not f.waived:
                counts[f.severity.value] += 1
        return counts

    def failing(self) -> list[StampedFinding]:
        return [f for f in self.findings if not f.waived and f.severity.rank >= self.fail_on.rank]

    def summary(self) -> dict[str, Any]:
        issue_counts = {lvl.value: 0 for lvl in reversed(list(IssueLevel))}
        for i in self.data_issues:
            issue_counts[i.level.value] += i.count
        out: dict[str, Any] = {
            "findings": len(self.findings),
            "waived": sum(1 for f in self.findings if f.waived),
            "by_severity": self.counts_by_severity(),
            "fail_on": self.fail_on.value,
            "failing": len(self.failing()),
            "data_issues": issue_counts,
            "verdict": "fail" if self.failing() else "pass",
        }
        if self.suppressed_by_baseline is not None:
            out["suppressed_by_baseline"] = self.suppressed_by_baseline
        if self.waivers is not None:
            status = [w["status"] for w in self.waivers]
            out["waivers"] = {k: status.count(k) for k in ("applied", "expired", "unused")}
            out["waiver_status"] = self.waivers
        return out
