"""Terminal output for ``plan check`` and ``plan simulate`` (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mlm_audit.model import AuditResult
from mlm_audit.plan.terms import money_text

SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow",
             "low": "cyan", "info": "dim"}


def render_check(console: Console, result: AuditResult, lang: str = "en") -> None:
    s = result.stats
    head = Table.grid(padding=(0, 2))
    head.add_row("plan", str(s.get("plan")), "paid depth", str(s.get("paid_depth")),
                 "recruitment by", str(s.get("recruitment_by")))
    ratio = s.get("max_payout_ratio_of_revenue")
    head.add_row("entry", money_text(int(s.get("entry") or 0), str(s.get("currency"))),
                 "max payout / revenue", "unbounded" if ratio is None else f"{ratio:.1%}",
                 "packs", ", ".join(p["pack"] for p in result.packs))
    console.print(head)
    counts = result.counts_by_severity()
    line = Text("findings: ")
    for sev, n in counts.items():
        line.append(f"{sev} {n}  ", style=SEV_STYLE[sev] if n else "dim")
    console.print(line)
    if result.findings:
        t = Table(show_lines=False)
        for col in ("severity", "rule", "where", "finding"):
            t.add_column(col, overflow="fold")
        for f in result.findings:
            where = str(f.evidence.get("where", ""))
            title = f.title.get(lang) or f.title.get("en", "")
            t.add_row(Text(f.severity.value, style=SEV_STYLE[f.severity.value]), f.rule_id,
                      where.rsplit("/", 1)[-1], f"{title}\n[dim]{f.message}[/dim]")
        console.print(t)
    for note in result.notes:
        console.print(f"[dim]note: {note}[/dim]")
    verdict = result.summary()
    style = "bold red" if verdict["verdict"] == "fail" else "bold green"
    console.print(Text(f"verdict: {verdict['verdict']} ({verdict['failing']} findings at or above "
                       f"{verdict['fail_on']})", style=style))


def _pct(x: float) -> str:
    return f"{x:.1%}"


def render_simulation(console: Console, doc: dict[str, Any], currency: str) -> None:
    t = Table(title=f"plan {doc['plan']['name']}: simulated month by month")
    cols = ("month", "participants", "active", "joined", "depth", "revenue ext.",
            "revenue particip.", "payouts", "net loss", "net loss (active)")
    for c in cols:
        t.add_column(c, justify="right")
    rows = doc["monthly"]
    shown = rows if len(rows) <= 24 else [r for r in rows if r["month"] % 3 == 0 or
                                          r is rows[-1]]
    for r in shown:
        t.add_row(str(r["month"]), f"{r['participants']:,}", f"{r['active']:,}",
                  f"{r['joined']:,}", str(r["depth"]),
                  money_text(r["revenue_external"], currency),
                  money_text(r["revenue_participants"], currency),
                  money_text(r["payouts"], currency),
                  _pct(r["loss_share"]), _pct(r["loss_share_active"]))
    console.print(t)
    s = doc["summary"]
    g = Table.grid(padding=(0, 2))
    sat = s["months_to_saturation"]
    g.add_row("participants", f"{s['participants']:,} of {s['market_size']:,}",
              "depth", str(s["depth"]), "months to saturation", "not reached" if sat is None
              else str(sat))
    g.add_row("net loss, all", _pct(s["loss_share"]), "net loss, active",
              _pct(s["loss_share_active"]), "no recruits", _pct(s["share_no_recruits"]))
    g.add_row("median income", money_text(s["median_income"], currency), "top 1% share of pay",
              _pct(s["top1_income_share"]), "no income", _pct(s["share_with_no_income"]))
    g.add_row("revenue from customers", money_text(s["revenue_external"], currency),
              "from participants", money_text(s["revenue_participants"], currency),
              "external share", _pct(s["external_share"]))
    console.print(g)
    if doc.get("out"):
        rows_written = doc["out"]["rows"]
        console.print(f"wrote {doc['out']['dir']}: " + ", ".join(
            f"{k} {v:,}" for k, v in rows_written.items()) + " — audit it with "
            f"[bold]mlm-audit audit {doc['out']['dir']}[/bold]")
