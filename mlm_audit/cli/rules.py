"""``rules list`` / ``rules show`` / ``rules lint``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from mlm_audit.checks import REGISTRY
from mlm_audit.cli.common import out_console
from mlm_audit.model import InputError
from mlm_audit.packs import PackError, load_pack, shipped_packs

app = typer.Typer(help="Rule packs and check types.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """List shipped packs and their rules."""
    console = out_console()
    for name in shipped_packs():
        pack = load_pack(name)
        t = Table(title=f"{pack.name} v{pack.model.version}: {pack.model.title.en}")
        for col in ("rule", "check", "severity", "title"):
            t.add_column(col)
        for r in pack.rules:
            t.add_row(r.id, r.model.check, r.model.severity.value, r.model.title.en)
        console.print(t)


@app.command("show")
def show(ident: str = typer.Argument(..., help="A rule id or a check type name.")) -> None:
    """Show a rule (with its pack, params, references) or a check type (docs and parameters)."""
    console = out_console()
    if ident in REGISTRY:
        ct = REGISTRY[ident]
        console.print(f"[bold]{ct.name}[/bold] (check type, version {ct.version})\n")
        console.print(ct.doc)
        t = Table(title="parameters")
        for col in ("name", "type", "default", "description"):
            t.add_column(col)
        for name, f in ct.params.model_fields.items():
            t.add_row(name, getattr(f.annotation, "__name__", str(f.annotation)),
                      repr(f.default), f.description or "")
        console.print(t)
        return
    for pack_name in shipped_packs():
        for r in load_pack(pack_name).rules:
            if r.id == ident:
                console.print(f"[bold]{r.id}[/bold] — {r.model.title.en} / {r.model.title.zh}")
                console.print(f"pack: {r.pack}   check: {r.model.check}   severity: "
                              f"{r.model.severity.value}   basis: {r.model.basis}")
                console.print(f"params: {r.params.model_dump()}")
                if r.model.note:
                    console.print(f"note: {r.model.note}")
                for ref in r.model.references:
                    console.print(f"  - {ref.source} {ref.article} {ref.url}")
                return
    raise InputError(f"no rule or check type named {ident!r}; see 'mlm-audit rules list'")


@app.command("lint")
def lint(file: Path = typer.Argument(..., help="A rule-pack YAML file.")) -> None:
    """Validate a rule pack: every error at once, with file:line."""
    try:
        pack = load_pack(str(file))
    except PackError as e:
        raise InputError("\n".join(e.errors)) from None
    out_console().print(f"{file}: ok ({len(pack.rules)} rules)")
