"""Golden files for every machine and human format, on a fixed sample with an injected clock.
Regenerate on purpose with ``UPDATE_GOLDEN=1 pytest tests/reports``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from mlm_audit.model import AuditResult
from mlm_audit.reports import RENDERERS
from tests.reports.conftest import check_golden
from tests.reports.sample import CLOCK


@pytest.mark.parametrize(("fmt", "lang", "name"), [
    ("json", "en", "report.json"),
    ("md", "en", "report.en.md"),
    ("md", "zh", "report.zh.md"),
    ("junit", "en", "report.junit.xml"),
    ("sarif", "en", "report.sarif"),
    ("csv", "en", "findings.csv"),
    ("csv-agents", "en", "agents.csv"),
    ("graphml", "en", "evidence.graphml"),
])
def test_golden(sample: AuditResult, fmt: str, lang: str, name: str) -> None:
    check_golden(name, RENDERERS[fmt](sample, lang=lang, now=CLOCK))


class _Skeleton(HTMLParser):
    """Element tree with ids/classes and text; chart geometry left out on purpose."""

    KEEP = ("id", "class", "href", "lang")

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.depth = 0
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept = " ".join(f'{k}="{v}"' for k, v in attrs if k in self.KEEP)
        self.lines.append("  " * self.depth + f"<{tag}{' ' + kept if kept else ''}>")
        if tag not in ("meta", "br", "line", "rect"):
            self.depth += 1
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("meta", "br", "line", "rect"):
            self.depth -= 1
        self.in_style = False

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self.in_style:
            self.lines.append("  " * self.depth + text)


def html_skeleton(html: str) -> str:
    p = _Skeleton()
    p.feed(html)
    return "\n".join(p.lines) + "\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_golden_html_structure(sample: AuditResult, lang: str) -> None:
    html = RENDERERS["html"](sample, lang=lang, now=CLOCK)
    check_golden(f"report.{lang}.html.txt", html_skeleton(html))


def test_html_is_self_contained(sample: AuditResult) -> None:
    html = RENDERERS["html"](sample, lang="en", now=CLOCK)
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)', html)
    assert "<link" not in html
    assert html.count("<svg") >= 5  # pyramid, money, depth, downline, recruits, income
    assert "2024-01-02T03:04:05Z" in html


def test_no_clock_no_time(sample: AuditResult) -> None:
    for fmt in ("html", "md", "junit", "sarif"):
        out = RENDERERS[fmt](sample, lang="en")
        assert "2024-01-02" not in out
        assert out == RENDERERS[fmt](sample, lang="en"), f"{fmt} is not deterministic"
