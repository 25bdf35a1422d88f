"""``verify BUNDLE [--data PATH]``: re-check an evidence bundle.

Exit 0 when every hash matches (and the re-run, if data was given, finds the same findings),
1 when anything differs (each difference named), 2 when the file is not a bundle.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from mlm_audit.cli.common import err_console, out_console
from mlm_audit.model import InputError

BundleArg = typer.Argument(..., help="An evidence bundle written by 'audit --bundle'.")
DataOpt = typer.Option(
    None, "--data", help="The audited data (a directory holding the recorded input files, or "
    "one input file): their sha256 are checked and the audit is run again from them.")


def verify(bundle: Path = BundleArg, data: Path | None = DataOpt) -> int:
    """Re-check an evidence bundle: hashes of every file, and optionally a re-run."""
    from mlm_audit import evidence

    try:
        v = evidence.verify(bundle, data)
    except evidence.BundleError as e:
        raise InputError(str(e)) from None
    console = out_console()
    m = v.manifest
    if m:
        tool = m.get("tool", {})
        console.print(Text(f"bundle {bundle}: {tool.get('name', '')} {tool.get('version', '')},"
                           f" created {m.get('created_at') or '-'}"))
        cmd = m.get("command") or []
        if cmd:
            console.print(Text("command: " + " ".join(str(c) for c in cmd)))
    for item in v.checked:
        console.print(Text(f"ok       {item}", style="green"))
    for diff in v.differences:
        console.print(Text(f"DIFFERS  {diff}", style="bold red"))
    if v.ok:
        console.print(Text(f"verified: {len(v.checked)} checks passed", style="bold green"))
        return 0
    err_console().print(Text(f"verification failed: {len(v.differences)} differences",
                             style="bold red"))
    return 1


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
