"""Markdown report (GitHub-flavoured): the HTML report's content as tables, for tickets and
pull requests. Every value from the data goes through :func:`md` so names cannot inject
markup, links, HTML or break a table."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from mlm_audit import i18n
from mlm_audit.model import AuditResult, StampedFinding
from mlm_audit.reports import common

_SPECIAL = re.compile(r"([\\`*_\[\]|~!<>&])")
_LEADING = re.compile(r"^([#+\-]|\d+[.)])(?=\s|$)")  # list items and headings


def md(value: object) -> str:
    """Text safe in a Markdown table cell: specials backslash-escaped, no raw HTML, one line."""
    text = " ".join(str(value).split())
    text = _LEADING.sub(r"\\\1", _SPECIAL.sub(r"\\\1", text))
    # a backslash does not stop HTML entities or autolinks everywhere: encode the risky ones
    return text.replace("\\<", "&lt;").replace("\\>", "&gt;").replace("\\&", "&amp;")


def code(value: object) -> str:
    """Inline code that cannot be closed early by backticks in the value."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"{fence}{text}{fence}"


def table(head: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right or set()
    sep = ["---:" if i in right else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(md(h) for h in head) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _summary(result: AuditResult, lang: str) -> list[str]:
    s = result.summary()
    line = i18n.t(lang, "verdict.line", verdict=i18n.t(lang, "verdict." + s["verdict"]),
                  failing=s["failing"], fail_on=i18n.severity(s["fail_on"], lang))
    sevs = ("critical", "high", "medium", "low", "info")
    head = [i18n.t(lang, "col.pack"), i18n.t(lang, "col.version"), i18n.t(lang, "col.rules"),
            *[i18n.severity(x, lang) for x in sevs], i18n.t(lang, "col.verdict")]
    rows = [[md(p.pack), md(p.version), str(p.rules), *[str(p.counts[x]) for x in sevs],
             f"**{md(i18n.t(lang, 'verdict.' + p.verdict))}**"]
            for p in common.pack_verdicts(result)]
    out = [f"**{md(line)}**", ""]
    if rows:
        out += [table(head, rows, right={2, 3, 4, 5, 6, 7}), ""]
    return out


def _network(result: AuditResult, lang: str) -> list[str]:
    st = result.stats
    keys = ("agents", "orders", "payouts", "roots", "max_level", "unrooted")
    rows = [[md(i18n.t(lang, f"stat.{k}")), f"{int(st.get(k, 0)):,}"] for k in keys]
    return [table([i18n.t(lang, "col.figure"), i18n.t(lang, "col.value")], rows, {1}), ""]


def _levels(result: AuditResult, lang: str) -> list[str]:
    tb = result.tables
    per = int(tb.get("minor_per_major", 100))
    levels: list[dict[str, Any]] = tb.get("levels", [])
    if not levels:
        return []
    head = [i18n.t(lang, k) for k in ("col.level", "col.agents", "col.paying", "col.entry",
                                      "col.payouts", "col.net", "col.losing")]
    rows = [[md(r["level"]), f"{r['agents']:,}", f"{r['paying']:,}", common.money(r["entry"], per),
             common.money(r["payouts"], per), common.money(r["net"], per), f"{r['losing']:,}"]
            for r in levels]
    return [table(head, rows, {1, 2, 3, 4, 5, 6}), ""]


def _income(result: AuditResult, lang: str) -> list[str]:
    tb = result.tables
    inc = tb.get("income") or {}
    if not tb.get("has_money") or not inc.get("agents"):
        return [md(i18n.t(lang, "income.no_money")), ""]
    per = int(tb.get("minor_per_major", 100))
    rows = [
        [md(i18n.t(lang, "income.median")), common.money(inc["median"], per)],
        [md(i18n.t(lang, "income.share_net_loss")),
         f"{common.pct(inc['share_net_loss'])} ({inc['losing']:,})"],
        [md(i18n.t(lang, "income.top1_share")),
         f"{common.pct(inc['top1_share'])} ({inc['top1_agents']:,})"],
    ]
    rows += [[f"p{k}", common.money(v, per)] for k, v in inc.get("percentiles", {}).items()]
    return [table([i18n.t(lang, "col.figure"), i18n.t(lang, "col.value")], rows, {1}), ""]


def _agent(agent_id: str, names: dict[str, str]) -> str:
    name = names.get(agent_id)
    return code(agent_id) + (f" ({md(name)})" if name else "")


def _finding(f: StampedFinding, rule: dict[str, Any], names: dict[str, str], lang: str
             ) -> list[str]:
    sev = i18n.severity(f.severity.value, lang)
    waived = f" ({md(i18n.t(lang, 'finding.waived'))})" if f.waived else ""
    out = [f"### {md(sev)} · {code(f.rule_id)} {md(i18n.title(f.title, lang))}{waived}", "",
           f"**{md(common.subject_text(f, lang))}** — {md(i18n.finding_message(f, lang))}", ""]
    thr = i18n.t(lang, "finding.threshold")
    rows = [[md(g.label) + (f" *({md(thr)})*" if g.threshold else ""), md(g.value)]
            for g in common.figures(f, lang)]
    if rows:
        out += [table([i18n.t(lang, "col.figure"), i18n.t(lang, "col.value")], rows), ""]
    chain = common.chain_of(f)
    if chain:
        head, elided, tail = common.chain_parts(chain)
        parts = [_agent(a, names) for a in head]
        if elided:
            parts.append(md(i18n.t(lang, "finding.chain_elided", count=elided)))
        parts += [_agent(a, names) for a in tail]
        out += [f"{md(i18n.t(lang, 'finding.chain'))}: " + " → ".join(parts), ""]
    refs = [" ".join(x for x in (r.source, r.article) if x) for r in f.references]
    if refs:
        out.append(f"{md(i18n.t(lang, 'finding.references'))}:")
        out += [f"- {md(text)}" + (f" <{md(r.url)}>" if r.url.startswith(("http://", "https://"))
                                   else "") for text, r in zip(refs, f.references, strict=True)]
        out.append("")
    if rule.get("basis"):
        out += [f"*{md(i18n.t(lang, 'finding.basis', basis=rule['basis']))}*", ""]
    return out


def render(result: AuditResult, lang: str = "en", now: datetime | None = None,
           **_: Any) -> str:
    lang = i18n.check_lang(lang)
    t = i18n.t
    tool = result.tool
    out = [f"# {md(tool.get('name', 'mlm-audit'))} — {md(t(lang, 'report.title'))}", "",
           md(t(lang, "report.generated", time=common.stamp(now) or "-",
                tool=tool.get("name", ""), version=tool.get("version", ""))), ""]
    out += [f"## {md(t(lang, 'section.summary'))}", "", *_summary(result, lang)]
    out += [f"## {md(t(lang, 'section.network'))}", "", *_network(result, lang)]
    out += [f"## {md(t(lang, 'section.pyramid'))}", "", *_levels(result, lang)]
    out += [f"## {md(t(lang, 'section.income'))}", "", *_income(result, lang)]
    out += [f"## {md(t(lang, 'section.findings'))}", ""]
    if not result.findings:
        out += [md(t(lang, "finding.none")), ""]
    meta = common.rule_meta(result)
    names = common.agent_names(result)
    for f in result.findings[:common.FINDINGS_SHOWN]:
        out += _finding(f, meta.get(f.rule_id, {}), names, lang)
    rest = len(result.findings) - common.FINDINGS_SHOWN
    if rest > 0:
        out += [md(t(lang, "finding.more", count=f"{rest:,}")), ""]
    out += [f"## {md(t(lang, 'section.data_issues'))}", ""]
    if result.data_issues:
        rows = [[md(t(lang, "level." + i.level.value)), code(i.code), code(i.location()),
                 f"{i.count:,}", md(i18n.issue_message(i, lang))]
                for i in result.data_issues[:common.ISSUES_SHOWN]]
        head = [t(lang, k) for k in ("col.severity", "col.code", "col.where", "col.count",
                                     "col.message")]
        out += [table(head, rows, {3}), ""]
        rest = len(result.data_issues) - common.ISSUES_SHOWN
        if rest > 0:
            out += [md(t(lang, "issues.more", count=f"{rest:,}")), ""]
    else:
        out += [md(t(lang, "issues.none")), ""]
    out += [f"## {md(t(lang, 'section.inputs'))}", ""]
    rows = [[md(i.table), code(i.path), f"{i.rows_loaded:,}", code(i.sha256)]
            for i in sorted(result.inputs, key=lambda i: (i.table, i.path))]
    rows += [[md(t(lang, "col.pack")) + " " + md(p.get("pack", "")), code(p.get("path", "")), "",
              code(p.get("sha256", ""))] for p in result.packs]
    head = [t(lang, k) for k in ("col.table", "col.path", "col.rows", "col.sha256")]
    out += [table(head, rows, {2}), ""]
    if result.notes:
        out += [f"## {md(t(lang, 'section.notes'))}", "", *[f"- {md(n)}" for n in result.notes],
                ""]
    return "\n".join(out).rstrip("\n") + "\n"
