"""Terminal summary with rich: network, levels, data issues, findings by severity.

Every label comes from the message catalog (``--lang en|zh``); data values are printed as
``Text`` objects, never as rich markup, so names cannot inject styles.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlm_audit import i18n
from mlm_audit.model import AuditResult
from mlm_audit.reports import common

SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow",
             "low": "cyan", "info": "dim"}
TOP = 15


def _levels(result: AuditResult, lang: str) -> Table | None:
    tb = result.tables
    per = int(tb.get("minor_per_major", 100))
    rows = tb.get("levels") or []
    if not rows:
        return None
    t = i18n.t
    hist = Table(title=t(lang, "chart.pyramid"), show_header=True, header_style="bold")
    hist.add_column(t(lang, "col.level"), justify="right")
    hist.add_column(t(lang, "col.agents"), justify="right")
    hist.add_column(t(lang, "col.paying"), justify="right")
    money = bool(tb.get("has_money"))
    if money:
        hist.add_column(t(lang, "col.entry"), justify="right")
        hist.add_column(t(lang, "col.payouts"), justify="right")
    hist.add_column("")
    peak = max(r["agents"] for r in rows)
    for r in rows[:30]:
        cells: list[Text | str] = [Text(r["level"]), f"{r['agents']:,}", f"{r['paying']:,}"]
        if money:
            cells += [common.money(r["entry"], per), common.money(r["payouts"], per)]
        cells.append("█" * max(1, round(30 * r["agents"] / peak)))
        hist.add_row(*cells)
    if len(rows) > 30:
        hist.add_row("…", f"{sum(r['agents'] for r in rows[30:]):,}", "", *([""] * (3 if money
                                                                                else 1)))
    return hist


def render(console: Console, result: AuditResult, lang: str = "en", title: str = "mlm-audit"
           ) -> None:
    lang = i18n.check_lang(lang)
    t = i18n.t
    s = result.stats
    head = Table.grid(padding=(0, 2))
    head.add_row(t(lang, "stat.agents"), f"{s.get('agents', 0):,}", t(lang, "stat.orders"),
                 f"{s.get('orders', 0):,}", t(lang, "stat.payouts"), f"{s.get('payouts', 0):,}")
    head.add_row(t(lang, "stat.roots"), f"{s.get('roots', 0):,}", t(lang, "stat.max_level"),
                 str(s.get("max_level", 0)), t(lang, "stat.unrooted"), f"{s.get('unrooted', 0):,}")
    parts: list[object] = [head]
    levels = _levels(result, lang)
    if levels is not None:
        parts.append(levels)
    inc = result.tables.get("income") or {}
    if result.tables.get("has_money") and inc.get("agents"):
        per = int(result.tables.get("minor_per_major", 100))
        parts.append(Text(
            f"{t(lang, 'income.median')}: {common.money(inc['median'], per)}   "
            f"{t(lang, 'income.share_net_loss')}: {common.pct(inc['share_net_loss'])}   "
            f"{t(lang, 'income.top1_share')}: {common.pct(inc['top1_share'])}"))
    console.print(Panel(Group(*parts), title=Text(title)))  # type: ignore[arg-type]

    if result.data_issues:
        n = sum(i.count for i in result.data_issues)
        tbl = Table(title=f"{t(lang, 'section.data_issues')} ({n:,})")
        for col in ("col.severity", "col.code", "col.where", "col.message"):
            # a location is only useful whole: wrap it, never cut it with an ellipsis
            tbl.add_column(t(lang, col), overflow="fold")
        for i in result.data_issues[:TOP]:
            tbl.add_row(t(lang, "level." + i.level.value), Text(i.code), Text(i.location()),
                        Text(i18n.issue_message(i, lang)))
        if len(result.data_issues) > TOP:
            tbl.add_row("", "", "", t(lang, "issues.more",
                                      count=f"{len(result.data_issues) - TOP:,}"))
        console.print(tbl)

    counts = result.counts_by_severity()
    line = Text(f"{t(lang, 'section.findings')}: ")
    for sev, n in counts.items():
        line.append(f"{i18n.severity(sev, lang)} {n}  ", style=SEV_STYLE[sev] if n else "dim")
    waived = result.summary()["waived"]
    if waived:
        line.append(f"({t(lang, 'finding.waived')} {waived})", style="dim")
    console.print(line)
    if result.findings:
        tbl = Table()
        for col in ("col.severity", "col.rule", "col.subject", "col.message"):
            tbl.add_column(t(lang, col))
        for f in result.findings[:TOP]:
            msg = i18n.finding_message(f, lang)
            if f.waived:
                msg += f" [{t(lang, 'finding.waived')}]"
            tbl.add_row(Text(i18n.severity(f.severity.value, lang),
                             style=SEV_STYLE[f.severity.value]),
                        Text(f.rule_id), Text(common.subject_text(f, lang)), Text(msg))
        console.print(tbl)
        if len(result.findings) > TOP:
            console.print(Text(t(lang, "finding.more", count=f"{len(result.findings) - TOP:,}"),
                               style="dim"))
    for note in result.notes:
        console.print(Text(f"{t(lang, 'section.notes')}: {note}", style="dim"))
    verdict = result.summary()
    style = "bold red" if verdict["verdict"] == "fail" else "bold green"
    console.print(Text(t(lang, "verdict.line", verdict=t(lang, f"verdict.{verdict['verdict']}"),
                         failing=verdict["failing"],
                         fail_on=i18n.severity(verdict["fail_on"], lang)), style=style))
