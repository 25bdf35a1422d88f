"""The HTML evidence report: one self-contained file (inline CSS and SVG, no scripts), works
offline and prints well. Reads only the AuditResult, its aggregated tables included."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from html import escape as E
from importlib import resources
from typing import Any

from mlm_audit import i18n
from mlm_audit.model import AuditResult
from mlm_audit.reports import common, svg
from mlm_audit.reports.html_findings import (
    findings_section,
    inputs_section,
    issues_section,
    table,
)


@cache
def _css() -> str:
    return resources.files("mlm_audit.reports").joinpath("templates/report.css").read_text(
        "utf-8")


def _range(lo: int, hi: int) -> str:
    return f"{lo:,}" if lo == hi else f"{lo:,}…{hi:,}"


def _card(label: str, value: str) -> str:
    return f'<div class="card"><div class="muted">{E(label)}</div><div class="big">{E(value)}' \
           f"</div></div>"


def summary_section(result: AuditResult, lang: str) -> str:
    s = result.summary()
    verdict = s["verdict"]
    line = i18n.t(lang, "verdict.line", verdict=i18n.t(lang, f"verdict.{verdict}"),
                  failing=s["failing"], fail_on=i18n.severity(s["fail_on"], lang))
    sevs = ("critical", "high", "medium", "low", "info")
    head = [i18n.t(lang, "col.pack"), i18n.t(lang, "col.version"), i18n.t(lang, "col.rules"),
            *[i18n.severity(x, lang) for x in sevs], i18n.t(lang, "col.verdict")]
    rows = []
    for pv in common.pack_verdicts(result):
        badge = f'<span class="sev {"high" if pv.failing else "info"}">' \
                f'{E(i18n.t(lang, "verdict." + pv.verdict))}</span>'
        rows.append([E(pv.pack), E(pv.version), str(pv.rules),
                     *[str(pv.counts[x]) for x in sevs], badge])
    packs = table(head, rows, num={2, 3, 4, 5, 6, 7}) if rows else ""
    return f'<p><span class="verdict {verdict}">{E(line)}</span></p>{packs}'


def network_section(result: AuditResult, lang: str) -> str:
    st = result.stats
    cards = [_card(i18n.t(lang, f"stat.{k}"), f"{int(st.get(k, 0)):,}")
             for k in ("agents", "orders", "payouts", "roots", "max_level", "unrooted")]
    return f'<div class="cards">{"".join(cards)}</div>'


def pyramid_section(result: AuditResult, lang: str) -> str:
    tb = result.tables
    per = int(tb.get("minor_per_major", 100))
    levels: list[dict[str, Any]] = tb.get("levels", [])
    if not levels:
        return ""
    bars = [svg.Bar(r["level"], r["agents"], f"{r['agents']:,} ({r['paying']:,})",
                    part=r["paying"]) for r in levels]
    charts = [_figure(svg.pyramid(bars, i18n.t(lang, "chart.pyramid")),
                      i18n.t(lang, "chart.pyramid")
                      + f" — {i18n.t(lang, 'col.agents')} ({i18n.t(lang, 'col.paying')})")]
    if tb.get("has_money"):
        rows = [(r["level"], r["entry"], r["payouts"], common.money(r["entry"], per),
                 common.money(r["payouts"], per)) for r in levels]
        legend = (i18n.t(lang, "chart.entry"), i18n.t(lang, "chart.payouts"))
        charts.append(_figure(svg.paired(rows, i18n.t(lang, "chart.money"), legend),
                              i18n.t(lang, "chart.money")))
    head = [i18n.t(lang, k) for k in ("col.level", "col.agents", "col.paying", "col.entry",
                                      "col.payouts", "col.net", "col.losing")]
    rows_html = [[E(r["level"]), f"{r['agents']:,}", f"{r['paying']:,}",
                  common.money(r["entry"], per), common.money(r["payouts"], per),
                  common.money(r["net"], per), f"{r['losing']:,}"] for r in levels]
    return (f'<div class="charts">{"".join(charts)}</div>'
            + table(head, rows_html, num={1, 2, 3, 4, 5, 6}))


def _figure(chart: str, caption: str) -> str:
    return f"<figure><figcaption>{E(caption)}</figcaption>{chart}</figure>"


def _buckets(rows: list[dict[str, int]]) -> list[svg.Bar]:
    return [svg.Bar(_range(r["lo"], r["hi"]), r["count"], f"{r['count']:,}",
                    negative=r["hi"] < 0) for r in rows]


def depth_section(result: AuditResult, lang: str) -> str:
    tb = result.tables
    charts = []
    depth = [svg.Bar(r["label"], r["count"], f"{r['count']:,}")
             for r in tb.get("org_depth", [])]
    if depth:
        charts.append(_figure(svg.columns(depth, i18n.t(lang, "chart.org_depth")),
                              i18n.t(lang, "chart.org_depth")))
    for key, chart in (("downline", "chart.downline"), ("direct_recruits", "chart.recruits")):
        bars = _buckets(tb.get(key, []))
        if bars:
            charts.append(_figure(svg.columns(bars, i18n.t(lang, chart)), i18n.t(lang, chart)))
    return f'<div class="charts">{"".join(charts)}</div>'


def income_section(result: AuditResult, lang: str) -> str:
    tb = result.tables
    inc = tb.get("income") or {}
    if not tb.get("has_money") or not inc.get("agents"):
        return f"<p>{E(i18n.t(lang, 'income.no_money'))}</p>"
    per = int(tb.get("minor_per_major", 100))
    cards = [
        _card(i18n.t(lang, "income.median"), common.money(inc["median"], per)),
        _card(i18n.t(lang, "income.share_net_loss"),
              f"{common.pct(inc['share_net_loss'])} ({inc['losing']:,})"),
        _card(i18n.t(lang, "income.top1_share"),
              f"{common.pct(inc['top1_share'])} ({inc['top1_agents']:,})"),
    ]
    pct_rows = [[f"p{k}", common.money(v, per)] for k, v in inc.get("percentiles", {}).items()]
    chart = _figure(svg.columns(_buckets(inc.get("buckets", [])), i18n.t(lang, "chart.income")),
                    i18n.t(lang, "chart.income"))
    pct_table = table([i18n.t(lang, "income.percentiles"), i18n.t(lang, "col.net")], pct_rows,
                       num={1})
    return (f'<div class="cards">{"".join(cards)}</div>'
            f'<div class="charts">{chart}<div>{pct_table}</div></div>')


def render(result: AuditResult, lang: str = "en", now: datetime | None = None,
           **_: Any) -> str:
    lang = i18n.check_lang(lang)
    t = i18n.t
    tool = result.tool
    generated = t(lang, "report.generated", time=common.stamp(now) or "-",
                  tool=tool.get("name", ""), version=tool.get("version", ""))
    per = result.tables.get("minor_per_major", 100)
    sections = [
        ("summary", summary_section(result, lang)),
        ("network", network_section(result, lang)),
        ("pyramid", pyramid_section(result, lang)),
        ("depth", depth_section(result, lang)),
        ("income", income_section(result, lang)),
        ("findings", findings_section(result, lang)),
        ("data_issues", issues_section(result, lang)),
        ("inputs", inputs_section(result, lang)),
    ]
    if result.notes:
        notes = "".join(f"<li>{E(n)}</li>" for n in result.notes)
        sections.append(("notes", f"<ul>{notes}</ul>"))
    body = "".join(f'<section id="{key}"><h2>{E(t(lang, "section." + key))}</h2>{html}</section>'
                   for key, html in sections if html)
    title = f"{tool.get('name', 'mlm-audit')} — {t(lang, 'report.title')}"
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<meta name=\"color-scheme\" content=\"light\">"
        f"<title>{E(title)}</title><style>{_css()}</style></head><body><main>"
        f"<header><h1>{E(title)}</h1><p class=\"muted\">{E(generated)}. "
        f"{E(t(lang, 'report.lang_note', per=per))}</p></header>{body}"
        f"<footer>{E(tool.get('name', ''))} {E(tool.get('version', ''))}</footer>"
        f"</main></body></html>\n"
    )
