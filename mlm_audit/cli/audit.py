"""``audit``, ``validate`` and ``demo``: the main job."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from mlm_audit import pipeline
from mlm_audit.cli.common import out_console, parse_severity, progress, write_output
from mlm_audit.model import AuditResult, InputError, IssueLevel
from mlm_audit.reports import RENDERERS
from mlm_audit.reports import text as text_report

FORMATS = ["text", *RENDERERS]

PathArg = typer.Argument(None, help="Directory with agents.*, orders.*, payouts.*; or an agents "
                                    "file.", show_default=False)
AgentsOpt = typer.Option(None, "--agents", help="Agents file (CSV/TSV/XLSX/JSON/NDJSON/Parquet).")
OrdersOpt = typer.Option(None, "--orders", help="Orders file (optional).")
PayoutsOpt = typer.Option(None, "--payouts", help="Payouts file (optional).")
MappingOpt = typer.Option(None, "--mapping", help="YAML mapping of file headers to columns.")
FormatOpt = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")
OutputOpt = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout.")
StrictOpt = typer.Option(False, "--strict", help="Exit 2 when preflight finds error-level issues.")


def _inputs(path: Path | None, agents: Path | None, orders: Path | None,
            payouts: Path | None, mapping: Path | None) -> pipeline.Inputs:
    if path is None and agents is None:
        raise InputError("give a data directory (mlm-audit audit DIR) or --agents FILE")
    return pipeline.Inputs(path, agents, orders, payouts, mapping)


def _emit(result: AuditResult, fmt: str, output: Path | None, lang: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if fmt == "text":
        if output is not None:
            from rich.console import Console

            with output.open("w", encoding="utf-8") as fh:
                text_report.render(Console(file=fh, width=120), result, lang)
        else:
            text_report.render(out_console(), result, lang)
        return
    write_output(RENDERERS[fmt](result, lang=lang), output)


def _strict_exit(result: AuditResult, strict: bool) -> int | None:
    if strict and any(i.level == IssueLevel.error for i in result.data_issues):
        return 2
    return None


def audit(
    path: Path | None = PathArg,
    agents: Path | None = AgentsOpt,
    orders: Path | None = OrdersOpt,
    payouts: Path | None = PayoutsOpt,
    mapping: Path | None = MappingOpt,
    pack: list[str] = typer.Option([], "--pack", "-p", help="Rule pack name or YAML file "
                                   "(repeatable; default: baseline)."),
    set_: list[str] = typer.Option([], "--set", help="Override a rule parameter for this run: "
                                   "RULE.param=value (repeatable)."),
    fail_on: str = typer.Option("high", "--fail-on", help="Exit 1 when a finding is at or above "
                                "this severity: info, low, medium, high, critical."),
    fmt: str = FormatOpt,
    output: Path | None = OutputOpt,
    lang: str = typer.Option("en", "--lang", help="Language of human-readable output: en, zh."),
    strict: bool = StrictOpt,
) -> int:
    """Load, preflight, run rule packs, report. The main job."""
    threshold = parse_severity(fail_on)
    inputs = _inputs(path, agents, orders, payouts, mapping)
    packs = pipeline.load_packs(pack)
    with progress() as step:
        prepared = pipeline.prepare(inputs, step)
        result = pipeline.audit(prepared, packs, set_, threshold, step=step)
    _emit(result, fmt, output, lang)
    strict_code = _strict_exit(result, strict)
    if strict_code is not None:
        return strict_code
    return 1 if result.failing() else 0


def validate(
    path: Path | None = PathArg,
    agents: Path | None = AgentsOpt,
    orders: Path | None = OrdersOpt,
    payouts: Path | None = PayoutsOpt,
    mapping: Path | None = MappingOpt,
    fmt: str = FormatOpt,
    output: Path | None = OutputOpt,
    strict: bool = StrictOpt,
) -> int:
    """Load and preflight only: data-quality report, no rules."""
    inputs = _inputs(path, agents, orders, payouts, mapping)
    with progress() as step:
        result = pipeline.validate_only(pipeline.prepare(inputs, step))
    _emit(result, fmt, output, "en")
    return _strict_exit(result, strict) or 0


def sample_data_dir() -> Path:
    installed = Path(str(resources.files("mlm_audit"))) / "_sample_data"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "sample_data"


def demo(
    fmt: str = FormatOpt,
    output: Path | None = OutputOpt,
    lang: str = typer.Option("en", "--lang", help="en or zh."),
) -> int:
    """Audit the bundled sample WeChat-shop export with the baseline pack."""
    data = sample_data_dir() / "wechat_shop"
    return audit(path=data, agents=None, orders=None, payouts=None, mapping=None, pack=[],
                 set_=[], fail_on="high", fmt=fmt, output=output, lang=lang, strict=False)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("validate")(validate)
    app.command("demo")(demo)
