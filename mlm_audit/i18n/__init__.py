"""Message catalogs (``en``, ``zh``) for every human-readable report.

Catalogs are JSON data files keyed by dotted names. A finding's message is rendered from
``check.<check>.message`` with the finding's evidence (plus ``subject``); when a check has no
template in the catalog, or its evidence lacks a placeholder, the check's own message is used.
Rule titles come from the packs (``title.en`` / ``title.zh``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any

from mlm_audit.model import DataIssue, InputError, StampedFinding

LANGS = ("en", "zh")
DEFAULT = "en"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InputError(f"--lang {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


@cache
def catalog(lang: str) -> dict[str, str]:
    text = resources.files(__name__).joinpath(f"{check_lang(lang)}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def has(lang: str, key: str) -> bool:
    return key in catalog(lang)


def t(lang: str, key: str, **values: Any) -> str:
    """The message ``key`` in ``lang`` (English when missing), formatted with ``values``."""
    msg = catalog(lang).get(key) or catalog(DEFAULT).get(key) or key
    return msg.format(**values) if values else msg


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def finding_message(f: StampedFinding, lang: str) -> str:
    template = catalog(lang).get(f"check.{f.check}.message")
    # plan findings word their own message from the plan's terms, not from data evidence
    if template is None or f.subject.kind in ("plan", "plan-level"):
        return f.message
    values = {k: v for k, v in f.evidence.items() if isinstance(v, str | int | float | bool)}
    values["subject"] = f.subject.id
    if not _fields(template) <= values.keys():
        return f.message
    return template.format(**values)


def issue_message(issue: DataIssue, lang: str) -> str:
    """Loaders and preflight word their messages in English; other languages get the
    catalog's description of the issue code in front of it."""
    key = f"issue.{issue.code}"
    if lang == DEFAULT or not has(lang, key):
        return issue.message
    return f"{t(lang, key)}：{issue.message}"


def title(titles: dict[str, str], lang: str) -> str:
    return titles.get(lang) or titles.get(DEFAULT) or next(iter(titles.values()), "")


def severity(value: str, lang: str) -> str:
    return t(lang, f"severity.{value}")


def evidence_label(key: str, lang: str) -> str:
    k = f"evidence.{key}"
    return t(lang, k) if has(lang, k) or has(DEFAULT, k) else key
