"""Inline SVG charts for the HTML report: no scripts, no network, print-friendly.

Every chart draws from already-aggregated rows (a few dozen bars at most), so the markup
stays small whatever the size of the network. All text goes through ``html.escape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 500
ROW_H = 20
FONT = 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str  # the value as printed next to the bar
    part: int = 0  # a highlighted part of the bar (e.g. paying agents)
    negative: bool = False


def _svg(height: int, title: str, body: list[str], css: str) -> str:
    t = escape(title)
    return (f'<svg class="chart {css}" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-label="{t}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}"><title>{t}</title>{"".join(body)}</svg>')


def _scale(value: int, peak: int, span: float) -> float:
    if value <= 0 or peak <= 0:
        return 0.0
    return max(1.0, span * value / peak)


def pyramid(bars: Sequence[Bar], title: str) -> str:
    """Centered horizontal bars, one per level, top level first: the pyramid's shape."""
    label_w, value_w = 56, 110
    span = WIDTH - label_w - value_w
    mid = label_w + span / 2
    peak = max((b.value for b in bars), default=0)
    body = []
    for i, b in enumerate(bars):
        y = i * ROW_H
        w = _scale(b.value, peak, span)
        pw = _scale(b.part, peak, span)
        body.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="{FONT}">'
            f'{escape(b.label)}</text>'
            f'<rect class="bar" x="{mid - w / 2:.1f}" y="{y + 2}" width="{w:.1f}" '
            f'height="{ROW_H - 4}"/>'
            f'<rect class="part" x="{mid - pw / 2:.1f}" y="{y + 2}" width="{pw:.1f}" '
            f'height="{ROW_H - 4}"/>'
            f'<text x="{WIDTH - value_w + 6}" y="{y + 14}" font-size="{FONT}">'
            f'{escape(b.shown)}</text>'
        )
    return _svg(max(ROW_H, ROW_H * len(bars)), title, body, "pyramid")


def paired(rows: Sequence[tuple[str, int, int, str, str]], title: str,
           legend: tuple[str, str]) -> str:
    """Two bars per row (label, a, b, a shown, b shown), a to the left and b to the right."""
    label_w = 56
    span = (WIDTH - label_w - 20) / 2
    mid = label_w + span
    peak = max((max(a, b) for _, a, b, _, _ in rows), default=0)
    body = [
        f'<text x="{mid - 6}" y="13" text-anchor="end" font-size="{FONT}" class="lg-a">'
        f'{escape(legend[0])}</text>'
        f'<text x="{mid + 6}" y="13" font-size="{FONT}" class="lg-b">{escape(legend[1])}</text>'
    ]
    for i, (label, a, b, sa, sb) in enumerate(rows):
        y = (i + 1) * ROW_H
        wa, wb = _scale(a, peak, span - 70), _scale(b, peak, span - 70)
        body.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="{FONT}">'
            f'{escape(label)}</text>'
            f'<rect class="bar-a" x="{mid - wa:.1f}" y="{y + 2}" width="{wa:.1f}" '
            f'height="{ROW_H - 4}"/>'
            f'<rect class="bar-b" x="{mid:.1f}" y="{y + 2}" width="{wb:.1f}" '
            f'height="{ROW_H - 4}"/>'
            f'<text x="{mid - wa - 4:.1f}" y="{y + 14}" text-anchor="end" font-size="10">'
            f'{escape(sa)}</text>'
            f'<text x="{mid + wb + 4:.1f}" y="{y + 14}" font-size="10">{escape(sb)}</text>'
        )
    return _svg(ROW_H * (len(rows) + 1), title, body, "paired")


def columns(bars: Sequence[Bar], title: str) -> str:
    """Vertical bars with labels below and counts above (distributions)."""
    height, top, bottom = 220, 18, 44
    n = max(1, len(bars))
    slot = (WIDTH - 20) / n
    w = min(56.0, max(2.0, slot * 0.7))
    peak = max((b.value for b in bars), default=0)
    span = height - top - bottom
    body = [f'<line x1="10" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" '
            f'class="axis"/>']
    for i, b in enumerate(bars):
        x = 10 + i * slot + (slot - w) / 2
        h = _scale(b.value, peak, span)
        y = height - bottom - h
        cls = "bar neg" if b.negative else "bar"
        cx = x + w / 2
        body.append(
            f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"/>'
            f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="10">'
            f'{escape(b.shown)}</text>'
            f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
            f'font-size="10" transform="rotate(30 {cx:.1f} {height - bottom + 14})">'
            f'{escape(b.label)}</text>'
        )
    return _svg(height, title, body, "columns")
