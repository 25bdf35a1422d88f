"""Formatting shared by the human-readable renderers. Formatting only: no metrics here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from mlm_audit import i18n
from mlm_audit.metrics.periods import money_text as money  # noqa: F401  (renderers: common.money)
from mlm_audit.model import AuditResult, StampedFinding

FINDINGS_SHOWN = 200  # finding cards in md/html; the rest are counted, the JSON has them all
ISSUES_SHOWN = 200
CHAIN_HEAD, CHAIN_TAIL = 3, 4
THRESHOLD_PREFIXES = ("min_", "max_")


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def stamp(now: datetime | None) -> str:
    """ISO time in UTC, seconds precision; empty when no clock was injected."""
    if now is None:
        return ""
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    threshold: bool


def figures(f: StampedFinding, lang: str) -> list[Figure]:
    """Scalar evidence values, thresholds marked; lists and maps are shown elsewhere."""
    out = []
    for key, value in f.evidence.items():
        if isinstance(value, dict | list) or value is None:
            continue
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(Figure(key, i18n.evidence_label(key, lang), shown,
                          key.startswith(THRESHOLD_PREFIXES)))
    return out


def chain_parts(chain: list[Any]) -> tuple[list[str], int, list[str]]:
    """A chain as (head, number elided, tail): long chains keep both ends."""
    ids = [str(c) for c in chain]
    if len(ids) <= CHAIN_HEAD + CHAIN_TAIL + 1:
        return ids, 0, []
    return ids[:CHAIN_HEAD], len(ids) - CHAIN_HEAD - CHAIN_TAIL, ids[-CHAIN_TAIL:]


def chain_of(f: StampedFinding) -> list[Any]:
    chain = f.evidence.get("chain")
    return chain if isinstance(chain, list) else []


@dataclass(frozen=True)
class PackVerdict:
    pack: str
    version: str
    rules: int
    counts: dict[str, int]
    failing: int

    @property
    def verdict(self) -> str:
        return "fail" if self.failing else "pass"


def pack_verdicts(result: AuditResult) -> list[PackVerdict]:
    """Findings of each pack's rules counted by severity (waived excluded)."""
    out = []
    for p in result.packs:
        ids = set(p.get("rules", []))
        mine = [f for f in result.findings if f.rule_id in ids and not f.waived]
        counts = {s: sum(1 for f in mine if f.severity.value == s)
                  for s in ("critical", "high", "medium", "low", "info")}
        failing = sum(1 for f in mine if f.severity.rank >= result.fail_on.rank)
        out.append(PackVerdict(str(p.get("pack", "")), str(p.get("version", "")), len(ids),
                               counts, failing))
    return out


def agent_names(result: AuditResult) -> dict[str, str]:
    """Names of the agents in the evidence subgraph, for chains that list ids only."""
    return {a["agent_id"]: a["name"] for a in result.tables.get("evidence_agents", [])
            if a.get("name")}


def rule_meta(result: AuditResult) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in result.rules}


def subject_text(f: StampedFinding, lang: str) -> str:
    return f"{i18n.t(lang, 'subject.' + f.subject.kind)} {f.subject.id}"


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text allowed in XML 1.0 (control characters dropped); ElementTree escapes the rest."""
    return _XML_BAD.sub("", str(value))
