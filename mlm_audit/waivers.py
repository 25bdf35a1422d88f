"""Waivers: accept a finding on the record, with a reason, an approver and an expiry date.

A waiver file is reviewable YAML::

    waivers:
      - rule: BASE-DEPTH              # a rule id or an fnmatch pattern (BASE-*)
        subject: organization:R001    # agent:ID, organization:ROOT_ID, order:ID, payout:ID,
                                      # network; or instead: fingerprint: 3f2a...
        period: 2024-03               # optional: only this period
        justification: Legacy franchise tree, being restructured under plan 2024-07.
        approver: Compliance, J. Chen
        expires: 2025-06-30           # the waiver stops waiving after this day

A waived finding stays in every report, marked ``waived`` with its waiver, and does not
count toward ``--fail-on``. An expired waiver waives nothing and is reported with the
findings it no longer covers; a waiver that matched nothing is reported as unused. The
first live waiver in file order that matches a finding is the one recorded on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlm_audit.model import InputError, StampedFinding
from mlm_audit.packs import yamlsrc

SUBJECT_KINDS = ("agent", "organization", "network", "order", "payout")


class WaiverModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(min_length=1, description="Rule id or fnmatch pattern (e.g. BASE-*).")
    subject: str | None = Field(None, description="KIND:ID, KIND one of " +
                                ", ".join(SUBJECT_KINDS) + "; or 'network'.")
    fingerprint: str | None = Field(None, min_length=8, description="A finding fingerprint.")
    period: str | None = Field(None, description="Only findings of this period.")
    justification: str = Field(min_length=1, description="Why the finding is accepted.")
    approver: str = Field(min_length=1, description="Who accepted it.")
    expires: dt.date = Field(description="Last day the waiver applies (YYYY-MM-DD).")

    @field_validator("rule", "justification", "approver", "fingerprint", "period", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        if isinstance(v, (int, float, dt.date)) and not isinstance(v, bool):
            v = str(v)  # a bare 2024 or 2024-03-01 in YAML is still meant as text here
        return v.strip() if isinstance(v, str) else v

    @field_validator("subject")
    @classmethod
    def _subject(cls, v: str | None) -> str | None:
        if v is None:
            return v
        kind, _, ident = v.strip().partition(":")
        if kind not in SUBJECT_KINDS:
            raise ValueError(f"subject {v!r}: expected KIND:ID with KIND one of "
                             f"{', '.join(SUBJECT_KINDS)}")
        if kind == "network":
            return "network:*"
        if not ident.strip():
            raise ValueError(f"subject {v!r}: the id after '{kind}:' is missing")
        return f"{kind}:{ident.strip()}"

    @model_validator(mode="after")
    def _one_target(self) -> WaiverModel:
        if (self.subject is None) == (self.fingerprint is None):
            raise ValueError("give exactly one of 'subject' (KIND:ID) or 'fingerprint'")
        return self


@dataclass
class Waiver:
    model: WaiverModel
    where: str  # file:line of the entry
    matched: int = 0

    def label(self) -> str:
        target = self.model.subject or f"fingerprint {self.model.fingerprint}"
        return f"{self.model.rule} {target}"

    def record(self) -> dict[str, Any]:
        m = self.model
        out: dict[str, Any] = {"rule": m.rule, "justification": m.justification,
                               "approver": m.approver, "expires": m.expires.isoformat(),
                               "source": self.where}
        if m.subject is not None:
            out["subject"] = m.subject
        if m.fingerprint is not None:
            out["fingerprint"] = m.fingerprint
        if m.period is not None:
            out["period"] = m.period
        return out


@dataclass
class WaiverSet:
    """Parsed waivers; ``apply`` marks findings and keeps per-waiver status."""

    waivers: list[Waiver]
    today: dt.date | None = None
    _by_fp: dict[str, list[Waiver]] = field(default_factory=dict)
    _by_subject: dict[str, list[Waiver]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for w in self.waivers:
            if w.model.fingerprint is not None:
                self._by_fp.setdefault(w.model.fingerprint, []).append(w)
            else:
                self._by_subject.setdefault(w.model.subject or "", []).append(w)

    def expired(self, w: Waiver) -> bool:
        assert self.today is not None
        return w.model.expires < self.today

    def apply(self, findings: list[StampedFinding], today: dt.date) -> list[str]:
        """Mark findings waived; returns notes on expired and unused waivers."""
        self.today = today
        order = {id(w): n for n, w in enumerate(self.waivers)}
        for w in self.waivers:
            w.matched = 0
        for f in findings:
            subject = f"{f.subject.kind}:{f.subject.id}"
            candidates = self._by_fp.get(f.fingerprint, []) + self._by_subject.get(subject, [])
            live = None
            for w in sorted(candidates, key=lambda w: order[id(w)]):
                if not fnmatchcase(f.rule_id, w.model.rule):
                    continue
                if w.model.period is not None and w.model.period != f.period:
                    continue
                w.matched += 1
                if live is None and not self.expired(w):
                    live = w
            if live is not None:
                f.waived = True
                f.waiver = live.record()
        notes = []
        for w in self.waivers:
            if self.expired(w):
                notes.append(f"waiver {w.where} ({w.label()}) expired on "
                             f"{w.model.expires.isoformat()}: waives nothing; {w.matched} "
                             f"finding(s) it covered now count; renew or remove it")
            elif w.matched == 0:
                notes.append(f"waiver {w.where} ({w.label()}) matched no finding (unused); "
                             f"remove it or correct its rule/subject")
        return notes

    def status(self) -> list[dict[str, Any]]:
        out = []
        for w in self.waivers:
            st = ("expired" if self.today is not None and self.expired(w)
                  else "applied" if w.matched else "unused")
            out.append({**w.record(), "status": st, "matched": w.matched})
        return out


def parse(text: str, file: str) -> WaiverSet:
    """Parse waiver YAML; every problem is reported with ``file:line`` (InputError)."""
    src = yamlsrc.load(text, file)
    errors = list(src.errors)
    if errors:
        raise InputError("\n".join(errors))
    data = src.data
    prefix: tuple[str | int, ...] = ()
    if isinstance(data, dict) and set(data) == {"waivers"}:
        data, prefix = data["waivers"], ("waivers",)
    if data is None:
        data = []
    if not isinstance(data, list):
        raise InputError(f"{file}:1: expected 'waivers:' followed by a list of entries")
    waivers = []
    for i, entry in enumerate(data):
        path = prefix + (i,)
        if not isinstance(entry, dict):
            errors.append(f"{src.where(path)}: each waiver is a mapping with rule, subject, "
                          f"justification, approver, expires")
            continue
        try:
            waivers.append(Waiver(WaiverModel.model_validate(entry), src.where(path)))
        except ValidationError as e:
            for err in e.errors():
                loc = path + tuple(err["loc"])
                name = ".".join(str(x) for x in err["loc"]) or "entry"
                msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                errors.append(f"{src.where(loc)}: {name}: {msg}")
    if errors:
        raise InputError("\n".join(errors))
    return WaiverSet(waivers)


def load(path: Path) -> WaiverSet:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: waiver file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read waiver file: {e}") from None
    return parse(text, str(path))
