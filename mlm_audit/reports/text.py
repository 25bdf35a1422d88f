"""Terminal summary with rich: network, levels, data issues, findings by severity."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlm_audit.model import AuditResult

SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow",
             "low": "cyan", "info": "dim"}
TOP = 15


def render(console: Console, result: AuditResult, lang: str = "en", title: str = "mlm-audit"
           ) -> None:
    s = result.stats
    head = Table.grid(padding=(0, 2))
    head.add_row("agents", f"{s.get('agents', 0):,}", "orders", f"{s.get('orders', 0):,}",
                 "payouts", f"{s.get('payouts', 0):,}")
    head.add_row("roots", f"{s.get('roots', 0):,}", "max level", str(s.get("max_level", 0)),
                 "unrooted", f"{s.get('unrooted', 0):,}")
    parts: list[object] = [head]
    levels = s.get("levels") or {}
    if levels:
        hist = Table(title="agents per level", show_header=True, header_style="bold")
        hist.add_column("level", justify="right")
        hist.add_column("agents", justify="right")
        hist.add_column("")
        peak = max(levels.values())
        shown = list(levels.items())
        if len(shown) > 20:
            shown = shown[:19] + [("…", sum(v for _, v in shown[19:]))]
        for lv, c in shown:
            hist.add_row(str(lv), f"{c:,}", "█" * max(1, round(30 * min(c, peak) / peak)))
        parts.append(hist)
    console.print(Panel(Group(*parts), title=title))  # type: ignore[arg-type]

    if result.data_issues:
        t = Table(title=f"data issues ({sum(i.count for i in result.data_issues):,})")
        for col in ("level", "code", "where", "message"):
            t.add_column(col)
        for i in result.data_issues[:TOP]:
            t.add_row(i.level.value, i.code, i.location(), i.message)
        if len(result.data_issues) > TOP:
            t.add_row("", "", "", f"… {len(result.data_issues) - TOP} more (use --format json)")
        console.print(t)

    counts = result.counts_by_severity()
    line = Text("findings: ")
    for sev, n in counts.items():
        line.append(f"{sev} {n}  ", style=SEV_STYLE[sev] if n else "dim")
    waived = result.summary()["waived"]
    if waived:
        line.append(f"(waived {waived})", style="dim")
    console.print(line)
    if result.findings:
        t = Table(title="top findings")
        for col in ("severity", "rule", "subject", "message"):
            t.add_column(col)
        for f in result.findings[:TOP]:
            t.add_row(Text(f.severity.value, style=SEV_STYLE[f.severity.value]), f.rule_id,
                      f"{f.subject.kind} {f.subject.id}", f.message + (" [waived]" if f.waived
                                                                      else ""))
        console.print(t)
    for note in result.notes:
        console.print(f"[dim]note: {note}[/dim]")
    verdict = result.summary()
    style = "bold red" if verdict["verdict"] == "fail" else "bold green"
    console.print(Text(f"verdict: {verdict['verdict']} ({verdict['failing']} findings at or above "
                       f"{verdict['fail_on']})", style=style))
