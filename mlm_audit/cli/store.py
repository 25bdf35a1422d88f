"""``history``, ``show RUN``, ``diff RUN_A RUN_B``, and recording an audit in the store."""

from __future__ import annotations

import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from mlm_audit import store
from mlm_audit.cli.common import STATE, err_console, out_console, write_output
from mlm_audit.metrics.periods import money_text
from mlm_audit.model import AuditResult, InputError
from mlm_audit.reports import RENDERERS, json_report
from mlm_audit.reports import text as text_report

if TYPE_CHECKING:
    from mlm_audit import pipeline
    from mlm_audit.packs import Pack

StoreOpt = typer.Option(None, "--store", help=f"Audit store file (default: ${store.ENV_VAR}, "
                        f"else {store.DEFAULT_PATH}).")
NoStoreOpt = typer.Option(False, "--no-store", help="Do not record this run in the store.")
WaiversOpt = typer.Option(None, "--waivers", help="YAML file of waivers (rule, subject, "
                          "justification, approver, expires).")
BaselineOpt = typer.Option(None, "--baseline", help="Report only findings new since this "
                           "baseline: a stored RUN (id, latest, latest~N) or a FILE.")
WriteBaselineOpt = typer.Option(None, "--write-baseline", help="Write this run's finding "
                                "fingerprints to FILE, for use as --baseline.")
OutputOpt = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")
TOP = 20


dumps = json_report.dumps


def store_path(path: Path | None) -> Path:
    return path if path is not None else store.default_path()


def _command_line() -> str:
    argv = STATE.argv or ("mlm-audit", *sys.argv[1:])
    return shlex.join(argv)


def finish_audit(result: AuditResult, prepared: pipeline.Prepared, packs: list[Pack],
                 *, store_file: Path | None, no_store: bool, baseline: str | None,
                 write_baseline: Path | None) -> None:
    """After the rules ran: write a baseline, apply one, record the run (in that order)."""
    from mlm_audit import baseline as baseline_mod
    from mlm_audit import org_metrics, pipeline

    db = None if no_store else store.open_store(store_path(store_file))
    if write_baseline is not None:
        n = baseline_mod.write_file(result.findings, write_baseline)
        err_console().print(f"wrote baseline of {n} fingerprints to {write_baseline}")
    suppressed = []
    if baseline is not None:
        suppressed = baseline_mod.apply(result, _baseline_fingerprints(baseline, db))
    if db is None:
        return
    orgs, total = org_metrics.compute(prepared.network)
    run_id = store.record_run(
        db, result, command=_command_line(), started_at=datetime.now(timezone.utc),
        checks=pipeline.check_versions(packs), orgs=orgs, organizations=total,
        suppressed=suppressed)
    err_console().print(f"recorded run {run_id} in {store_path(store_file)}")


def _baseline_fingerprints(ref: str, db: Any) -> set[str]:
    from mlm_audit import baseline as baseline_mod

    path = Path(ref)
    if path.is_file() or path.suffix.lower() == ".json":
        return baseline_mod.read_file(path)
    if db is None:
        raise InputError(f"--baseline {ref}: not a file, and a stored run needs the store "
                         f"(drop --no-store)")
    run_id = store.resolve_run(db, ref)
    return {f.fingerprint for f in store.load_findings(db, run_id, include_suppressed=True)}


def _fmt_check(fmt: str, allowed: list[str]) -> None:
    if fmt not in allowed:
        raise InputError(f"--format {fmt!r}: expected one of {', '.join(allowed)}")


def history(
    store_file: Path | None = StoreOpt,
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Show at most this many runs."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """Stored runs, newest first, with their finding counts."""
    _fmt_check(fmt, ["text", "json"])
    db = store.open_store(store_path(store_file), create=False)
    runs = store.history(db, limit)
    if fmt == "json":
        write_output(dumps({"runs": runs}), None)
        return
    t = Table(title=f"audit runs in {store_path(store_file)}", box=box.SIMPLE_HEAD,
              pad_edge=False)
    for col in ("run", "started (UTC)", "verdict", "findings", "c/h/m/l/i", "waived",
                "agents", "packs"):
        t.add_column(col, justify="left" if col in ("started (UTC)", "packs", "verdict")
                     else "right", no_wrap=col != "packs")
    for r in runs:
        sev = "/".join(str(r[k]) for k in ("critical", "high", "medium", "low", "info"))
        t.add_row(str(r["id"]), r["started_at"][:19].replace("T", " "), r["verdict"],
                  str(r["findings"]), sev, str(r["waived"]), f"{r['agents'] or 0:,}",
                  ", ".join(r["packs"]))
    out_console().print(t)


def show(
    run: str = typer.Argument(..., help="Run id, 'latest' or 'latest~N'."),
    store_file: Path | None = StoreOpt,
    fmt: str = typer.Option("text", "--format", "-f",
                            help=f"Report format: {', '.join(['text', *RENDERERS])}."),
    output: Path | None = OutputOpt,
    lang: str = typer.Option("en", "--lang", help="en or zh."),
) -> None:
    """Re-render a stored run in any report format."""
    _fmt_check(fmt, ["text", *RENDERERS])
    db = store.open_store(store_path(store_file), create=False)
    run_id = store.resolve_run(db, run)
    result = store.load_run(db, run_id)
    if fmt != "text":
        write_output(RENDERERS[fmt](result, lang=lang), output)
        return
    if output is None:
        text_report.render(out_console(), result, lang, title=f"mlm-audit run {run_id}")
        return
    with output.open("w", encoding="utf-8") as fh:
        text_report.render(Console(file=fh, width=120), result, lang,
                           title=f"mlm-audit run {run_id}")


def _money(v: int | None) -> str:
    return "-" if v is None else money_text(v)


def diff(
    run_a: str = typer.Argument(..., help="Earlier run: id, 'latest' or 'latest~N'."),
    run_b: str = typer.Argument(..., help="Later run: id, 'latest' or 'latest~N'."),
    store_file: Path | None = StoreOpt,
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    output: Path | None = OutputOpt,
) -> None:
    """Findings new, resolved and unchanged between two runs; metric deltas per organization."""
    _fmt_check(fmt, ["text", "json"])
    db = store.open_store(store_path(store_file), create=False)
    from mlm_audit import run_diff

    doc = run_diff.diff(db, store.resolve_run(db, run_a), store.resolve_run(db, run_b),
                        limit=None if fmt == "json" else TOP)
    if fmt == "json":
        write_output(dumps(doc), output)
        return
    if output is None:
        _diff_text(doc, out_console())
        return
    with output.open("w", encoding="utf-8") as fh:
        _diff_text(doc, Console(file=fh, width=120))


def _diff_text(doc: dict[str, Any], console: Console) -> None:
    s = doc["summary"]
    console.print(f"run {doc['run_a']['id']} → run {doc['run_b']['id']}: "
                  f"[red]{s['new']} new[/red], [green]{s['resolved']} resolved[/green], "
                  f"{s['unchanged']} unchanged")
    for key, style in (("new", "red"), ("resolved", "green")):
        if not doc[key]:
            continue
        t = Table(title=f"{key} findings", title_style=style)
        for col in ("severity", "rule", "subject", "message"):
            t.add_column(col)
        for f in doc[key][:TOP]:
            t.add_row(f["severity"], f["rule_id"], f"{f['subject']['kind']} {f['subject']['id']}",
                      f["message"])
        if s[key] > TOP:
            t.add_row("", "", "", f"… {s[key] - TOP} more (use --format json)")
        console.print(t)
    if doc["organizations"]:
        t = Table(title="organizations that changed")
        for col in ("root", "status", "persons", "paying", "levels", "payouts", "entry"):
            t.add_column(col, justify="left" if col in ("root", "status") else "right")
        for o in doc["organizations"][:TOP]:
            t.add_row(o["root_id"], o["status"],
                      *(f"{o[k]['after'] if o[k]['after'] is not None else '-'} "
                        f"({o[k]['change']:+d})" for k in ("persons", "paying", "levels")),
                      *(f"{_money(o[k]['after'])} ({o[k]['change'] / 100:+,.2f})"
                        for k in ("payouts_total", "entry_total")))
        if len(doc["organizations"]) > TOP:
            t.add_row("…", f"{len(doc['organizations']) - TOP} more", "", "", "", "", "")
        console.print(t)


def register(app: typer.Typer) -> None:
    app.command("history")(history)
    app.command("show")(show)
    app.command("diff")(diff)
