"""HTML sections for findings (figures, legal basis, chain tree), data issues and inputs."""

from __future__ import annotations

from html import escape as E
from typing import Any
from urllib.parse import urlparse

from mlm_audit import i18n
from mlm_audit.model import AuditResult, StampedFinding
from mlm_audit.reports import common

LIST_SHOWN = 30  # items shown of a list or map in a finding's evidence


def table(head: list[str], rows: list[list[str]], num: set[int] | None = None,
           row_cls: list[str] | None = None) -> str:
    num = num or set()
    th = "".join(f'<th{" class=num" if i in num else ""}>{E(h)}</th>' for i, h in enumerate(head))
    body = []
    for k, r in enumerate(rows):
        cls = f' class="{row_cls[k]}"' if row_cls and row_cls[k] else ""
        tds = "".join(f'<td{" class=num" if i in num else ""}>{c}</td>' for i, c in enumerate(r))
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def safe_url(url: str) -> str:
    """Only http(s) links become anchors; anything else (javascript:, data:) stays text."""
    return url if urlparse(url).scheme in ("http", "https") else ""


def references(refs: list[dict[str, str]] | list[Any]) -> str:
    items = []
    for r in refs:
        d = r if isinstance(r, dict) else r.to_dict()
        text = E(" ".join(x for x in (d.get("source", ""), d.get("article", "")) if x))
        url = safe_url(d.get("url", ""))
        link = f' — <a href="{E(url)}">{E(url)}</a>' if url else ""
        items.append(f"<li>{text}{link}</li>")
    return f'<ul class="refs">{"".join(items)}</ul>' if items else ""


def _node(agent_id: str, names: dict[str, str]) -> str:
    name = names.get(agent_id, "")
    return f"<code>{E(agent_id)}</code>" + (f" — {E(name)}" if name else "")


def chain_tree(chain: list[Any], names: dict[str, str], lang: str) -> str:
    """The chain from the organization root to the flagged agent as a nested list."""
    head, elided, tail = common.chain_parts(chain)
    items = [(a, "") for a in head]
    if elided:
        items.append(("", i18n.t(lang, "finding.chain_elided", count=elided)))
    items += [(a, "") for a in tail]
    html = ""
    for k, (agent_id, note) in enumerate(reversed(items)):
        last = k == 0
        cls = "flagged" if last else ("elided" if note else "")
        label = f"<span>{E(note)}</span>" if note else f"<span>{_node(agent_id, names)}</span>"
        inner = f"<ul>{html}</ul>" if html else ""
        html = f'<li class="{cls}">{label}{inner}</li>'
    return f'<ul class="tree">{html}</ul>'


def _collection(value: Any) -> str:
    if isinstance(value, dict):
        items = [f"{k}: {v}" for k, v in list(value.items())[:LIST_SHOWN]]
        more = len(value) - LIST_SHOWN
    else:
        items = [str(v) for v in value[:LIST_SHOWN]]
        more = len(value) - LIST_SHOWN
    text = ", ".join(items) + (f", … (+{more})" if more > 0 else "")
    return f"<code>{E(text)}</code>"


def finding_card(f: StampedFinding, rule: dict[str, Any], names: dict[str, str],
                 lang: str) -> str:
    sev = f.severity.value
    title = i18n.title(f.title, lang)
    figs = common.figures(f, lang)
    threshold = i18n.t(lang, "finding.threshold")
    rows = [[E(fg.label) + (f' <span class="muted">({E(threshold)})</span>'
                            if fg.threshold else ""), E(fg.value)] for fg in figs]
    row_cls = ["threshold" if fg.threshold else "" for fg in figs]
    for key, value in f.evidence.items():
        if key != "chain" and isinstance(value, dict | list):
            rows.append([E(i18n.evidence_label(key, lang)), _collection(value)])
            row_cls.append("")
    fig_table = table([i18n.t(lang, "col.figure"), i18n.t(lang, "col.value")], rows,
                       row_cls=row_cls)
    chain = common.chain_of(f)
    tree = (f"<h4>{E(i18n.t(lang, 'finding.chain'))}</h4>{chain_tree(chain, names, lang)}"
            if chain else "")
    basis = rule.get("basis")
    basis_html = (f'<p class="muted">{E(i18n.t(lang, "finding.basis", basis=basis))}</p>'
                  if basis else "")
    waived = (f' <span class="sev info">{E(i18n.t(lang, "finding.waived"))}</span>'
              if f.waived else "")
    return (
        f'<article class="finding {sev}" id="f-{E(f.fingerprint)}">'
        f'<h3><span class="sev {sev}">{E(i18n.severity(sev, lang))}</span> '
        f"<code>{E(f.rule_id)}</code> {E(title)}{waived}</h3>"
        f"<p><strong>{E(common.subject_text(f, lang))}</strong>"
        f"{' · ' + E(f.period) if f.period else ''} — {E(i18n.finding_message(f, lang))}</p>"
        f'<div class="grid"><div><h4>{E(i18n.t(lang, "finding.figures"))}</h4>{fig_table}</div>'
        f"<div>{tree}</div></div>"
        f"<h4>{E(i18n.t(lang, 'finding.references'))}</h4>{references(f.references)}{basis_html}"
        f"</article>"
    )


def findings_section(result: AuditResult, lang: str) -> str:
    if not result.findings:
        return f"<p>{E(i18n.t(lang, 'finding.none'))}</p>"
    meta = common.rule_meta(result)
    names = common.agent_names(result)
    shown = result.findings[:common.FINDINGS_SHOWN]
    index = [[f'<span class="sev {f.severity.value}">{E(i18n.severity(f.severity.value, lang))}'
              f"</span>", f'<a href="#f-{E(f.fingerprint)}"><code>{E(f.rule_id)}</code></a>',
              E(common.subject_text(f, lang)), E(i18n.finding_message(f, lang))]
             for f in shown]
    head = [i18n.t(lang, k) for k in ("col.severity", "col.rule", "col.subject", "col.message")]
    cards = [table(head, index)]
    cards += [finding_card(f, meta.get(f.rule_id, {}), names, lang) for f in shown]
    rest = len(result.findings) - len(shown)
    if rest > 0:
        cards.append(f'<p class="muted">{E(i18n.t(lang, "finding.more", count=f"{rest:,}"))}</p>')
    return "".join(cards)


def issues_section(result: AuditResult, lang: str) -> str:
    if not result.data_issues:
        return f"<p>{E(i18n.t(lang, 'issues.none'))}</p>"
    shown = result.data_issues[:common.ISSUES_SHOWN]
    rows = [[E(i18n.t(lang, "level." + i.level.value)), f"<code>{E(i.code)}</code>",
             f"<code>{E(i.location())}</code>", f"{i.count:,}",
             E(i18n.issue_message(i, lang))] for i in shown]
    head = [i18n.t(lang, k) for k in ("col.severity", "col.code", "col.where", "col.count",
                                      "col.message")]
    out = table(head, rows, num={3})
    rest = len(result.data_issues) - len(shown)
    if rest > 0:
        out += f'<p class="muted">{E(i18n.t(lang, "issues.more", count=f"{rest:,}"))}</p>'
    return out


def inputs_section(result: AuditResult, lang: str) -> str:
    rows = [[E(i.table), f"<code>{E(i.path)}</code>", f"{i.rows_loaded:,} / {i.rows_read:,}",
             f'<code class="mono">{E(i.sha256)}</code>']
            for i in sorted(result.inputs, key=lambda i: (i.table, i.path))]
    head = [i18n.t(lang, k) for k in ("col.table", "col.path", "col.rows", "col.sha256")]
    packs = [[E(str(p.get("pack", ""))), E(str(p.get("version", ""))),
              f"<code>{E(str(p.get('path', '')))}</code>",
              f'<code class="mono">{E(str(p.get("sha256", "")))}</code>'] for p in result.packs]
    phead = [i18n.t(lang, k) for k in ("col.pack", "col.version", "col.path", "col.sha256")]
    return (table(head, rows, num={2}) + f"<h3>{E(i18n.t(lang, 'section.packs'))}</h3>"
            + table(phead, packs))
