"""``generate``: synthetic scenarios for demos, tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from mlm_audit.cli.common import err_console, write_output
from mlm_audit.model import InputError

OutOpt = typer.Option(..., "--out", "-o", help="Directory to write into.")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--start-date {value!r}: expected a date like 2024-01-01") from None


# the scenario modules (numpy, polars) load only when the command runs
SCENARIO_NAMES = ("cps", "pyramid", "retail", "stocking")


def generate_cmd(
    scenario: str = typer.Argument(..., help=f"One of: {', '.join(SCENARIO_NAMES)}."),
    agents: int = typer.Option(1000, "--agents", "-n", min=1, max=200_000_000,
                               help="Number of agents."),
    seed: int = typer.Option(1, "--seed", min=0, help="Random seed (same seed, same files)."),
    out: Path = OutOpt,
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    orders_per_agent: float = typer.Option(10.0, "--orders-per-agent", min=0, max=1000,
                                           help="Mean orders per agent."),
    start_date: str = typer.Option("2024-01-01", "--start-date",
                                   help="First day of the generated period."),
    months: int = typer.Option(18, "--months", min=1, max=120,
                               help="Length of the period in months."),
) -> None:
    """Write agents, orders and payouts for a synthetic SCENARIO, plus scenario.json."""
    from mlm_audit.generate import SCENARIOS, Spec, generate

    if scenario not in SCENARIOS:
        raise InputError(f"unknown scenario {scenario!r}; expected one of "
                         f"{', '.join(sorted(SCENARIOS))}")
    if fmt not in ("csv", "parquet"):
        raise InputError(f"--format {fmt!r}: expected csv or parquet")
    spec = Spec(agents, seed, orders_per_agent, _date(start_date), months)
    console = err_console()
    try:
        if console.is_terminal:
            from rich.progress import Progress

            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"{scenario}", total=agents)
                summary = generate(scenario, spec, out, fmt,
                                   lambda _what, done, _total: bar.update(task, completed=done))
        else:
            summary = generate(scenario, spec, out, fmt)
    except OSError as e:
        raise InputError(f"{out}: cannot write: {e.strerror}") from None
    brief = {k: summary[k] for k in ("scenario", "agents", "orders", "payouts", "max_level")}
    write_output(json.dumps({**brief, "out": str(out)}, ensure_ascii=False) + "\n", None)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_cmd)
