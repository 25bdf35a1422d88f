"""``rules list`` / ``rules show`` / ``rules lint``: packs, rules and check types."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlm_audit.cli.common import out_console, write_output
from mlm_audit.model import InputError

if TYPE_CHECKING:
    from mlm_audit.checks.base import CheckType
    from mlm_audit.packs import Pack, Rule

# the check registry (and with it the data libraries) loads when a command runs

app = typer.Typer(help="Rule packs and check types.", no_args_is_help=True)
FileArg = typer.Argument(..., help="A rule-pack YAML file.")
FormatOpt = typer.Option("text", "--format", "-f", help="Output format: text, json.")


def _format(fmt: str) -> str:
    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt!r}: expected text or json")
    return fmt


def _packs() -> list[Pack]:
    from mlm_audit.packs import load_pack, shipped_packs

    return [load_pack(name) for name in shipped_packs()]


def _wide_console() -> Console:
    console = out_console()
    if not console.is_terminal:
        console.width = max(console.width, 140)  # tables stay readable in pipes and files
    return console


def _rule_dict(rule: Rule, packs: list[str] | None = None) -> dict[str, Any]:
    m = rule.model
    out: dict[str, Any] = {
        "id": rule.id, "pack": rule.pack, "check": m.check, "severity": m.severity.value,
        "basis": m.basis, "title": m.title.model_dump(), "params": rule.params.model_dump(),
        "references": [r.model_dump() for r in m.references], "note": m.note,
        "enabled": m.enabled,
    }
    if packs is not None:
        out["packs"] = packs
    return out


def _check_dict(ct: CheckType) -> dict[str, Any]:
    from mlm_audit.docs_gen import param_rows

    return {"name": ct.name, "summary": ct.summary, "version": ct.version,
            "needs": list(ct.needs), "doc": ct.doc, "parameters": param_rows(ct.params)}


@app.command("list")
def list_(fmt: str = FormatOpt) -> None:
    """List shipped packs with their rules, and the check types."""
    from mlm_audit.checks import REGISTRY

    packs = _packs()
    if _format(fmt) == "json":
        doc = {
            "packs": [{"pack": p.name, "version": p.model.version,
                       "title": p.model.title.model_dump(), "description": p.model.description,
                       "extends": p.model.extends,
                       "rules": [{k: v for k, v in _rule_dict(r).items()
                                  if k in ("id", "pack", "check", "severity", "basis", "title")}
                                 for r in p.rules]}
                      for p in packs],
            "checks": [{"name": ct.name, "summary": ct.summary} for ct in REGISTRY.values()],
        }
        write_output(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", None)
        return
    console = _wide_console()
    for pack in packs:
        t = Table(title=f"{pack.name} v{pack.model.version}: {escape(pack.model.title.en)}",
                  title_justify="left")
        for col in ("rule", "check", "severity", "basis"):
            t.add_column(col, no_wrap=True)
        t.add_column("title")
        for r in pack.rules:
            t.add_row(r.id, r.model.check, r.model.severity.value, r.model.basis,
                      escape(r.model.title.en))
        if not pack.rules:
            t.add_row("-", "-", "-", "-", "no rules computable from exports yet")
        console.print(t)
    t = Table(title="check types", title_justify="left")
    t.add_column("check", no_wrap=True)
    t.add_column("summary")
    for ct in REGISTRY.values():
        t.add_row(ct.name, escape(ct.summary))
    console.print(t)


def _find_rule(ident: str, packs: list[Pack]) -> tuple[Rule | None, list[str]]:
    found: Rule | None = None
    in_packs: list[str] = []
    for pack in packs:
        for r in pack.rules:
            if r.id == ident:
                found = found or r
                in_packs.append(pack.name)
    return found, in_packs


@app.command("show")
def show(
    ident: str = typer.Argument(..., help="A rule id or a check type name."),
    fmt: str = FormatOpt,
) -> None:
    """Show a rule (packs, check, severity, params, references) or a check type (docs and
    parameters)."""
    from mlm_audit.checks import REGISTRY

    _format(fmt)
    if ident in REGISTRY:
        _show_check(REGISTRY[ident], fmt)
        return
    packs = _packs()
    rule, in_packs = _find_rule(ident, packs)
    if rule is None:
        names = sorted({r.id for p in packs for r in p.rules} | set(REGISTRY))
        close = difflib.get_close_matches(ident, names, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(f"no rule or check type named {ident!r}{hint} "
                         "(see 'mlm-audit rules list')")
    if fmt == "json":
        write_output(json.dumps(_rule_dict(rule, in_packs), ensure_ascii=False, indent=2)
                     + "\n", None)
        return
    m = rule.model
    console = out_console()
    console.print(f"[bold]{rule.id}[/bold] — {escape(m.title.en)} / {escape(m.title.zh)}")
    console.print(f"packs: {', '.join(in_packs)}")
    console.print(f"check: {m.check}   severity: {m.severity.value}   basis: {m.basis}"
                  + ("" if m.enabled else "   (disabled)"))
    t = Table(title="params", title_justify="left")
    t.add_column("name")
    t.add_column("value")
    for k, v in rule.params.model_dump().items():
        t.add_row(k, escape(json.dumps(v, ensure_ascii=False)))
    console.print(t)
    if m.note:
        console.print(f"note: {escape(m.note)}")
    if m.references:
        console.print("references:")
    for ref in m.references:
        parts = [p for p in (ref.source, ref.article, ref.url) if p]
        console.print(f"  - {escape(' — '.join(parts))}")


def _show_check(ct: CheckType, fmt: str) -> None:
    from mlm_audit.docs_gen import param_rows

    if fmt == "json":
        write_output(json.dumps(_check_dict(ct), ensure_ascii=False, indent=2) + "\n", None)
        return
    console = _wide_console()
    needs = ", ".join(ct.needs) if ct.needs else "agents only"
    console.print(f"[bold]{ct.name}[/bold] (check type, version {ct.version}; reads: {needs})\n")
    console.print(escape(ct.doc) + "\n", soft_wrap=True)
    t = Table(title="parameters", title_justify="left")
    for col in ("name", "type", "default", "bounds", "description"):
        t.add_column(col)
    for r in param_rows(ct.params):
        t.add_row(*(escape(r[k]) for k in ("name", "type", "default", "bounds", "description")))
    console.print(t)


@app.command("lint")
def lint(file: Path = FileArg) -> None:
    """Validate a rule pack: every error at once with file:line; exit 2 on errors."""
    from mlm_audit.packs import PackError, load_pack

    if not file.is_file():
        raise InputError(f"{file}: pack file not found")
    try:
        pack = load_pack(str(file))
    except PackError as e:
        for line in e.errors:
            typer.echo(line)
        n = len(e.errors)
        typer.echo(f"{n} error{'s' if n != 1 else ''} in {file}")
        raise typer.Exit(2) from None
    typer.echo(f"{file}: ok ({len(pack.rules)} rules)")
