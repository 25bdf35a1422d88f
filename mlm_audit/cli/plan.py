"""``plan check`` and ``plan simulate``: gate a compensation plan before launch.

Imports stay inside the commands so ``plan check`` starts fast.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mlm_audit.cli.common import out_console, parse_severity, write_output
from mlm_audit.model import InputError

if TYPE_CHECKING:
    from mlm_audit.plan.simulate import SimResult

DEFAULT_PACKS = ("baseline", "plan-gate")

app = typer.Typer(
    help="Gate a compensation plan before launch: static checks and simulation.",
    no_args_is_help=True,
)

PlanArg = typer.Argument(..., help="Plan file (YAML; see docs/plan-format.md).",
                         show_default=False)
OutputOpt = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout.")
PackOpt = typer.Option([], "--pack", "-p", help="Rule pack name or YAML file (repeatable; "
                       "default: baseline and plan-gate).")
SetOpt = typer.Option([], "--set", help="Override a rule parameter for this run: "
                      "RULE.param=value (repeatable).")
OutDirOpt = typer.Option(None, "--out", help="Also write the simulated network as "
                         "agents/orders/payouts CSV here (audit it with audit DIR).")


@app.command("check")
def check(
    plan: Path = PlanArg,
    pack: list[str] = PackOpt,
    set_: list[str] = SetOpt,
    fail_on: str = typer.Option("high", "--fail-on", help="Exit 1 when a finding is at or above "
                                "this severity: info, low, medium, high, critical."),
    fmt: str = typer.Option("text", "--format", "-f", help="Output format: text or a report "
                            "format (json, …)."),
    output: Path | None = OutputOpt,
    lang: str = typer.Option("en", "--lang", help="Language of human-readable output: en, zh."),
) -> int:
    """Run rule packs against a plan's terms (same findings, reports and exit codes as audit)."""
    from mlm_audit.packs import apply_overrides, collect_rules, load_pack
    from mlm_audit.plan.gate import check_plan
    from mlm_audit.plan.loader import load_plan
    from mlm_audit.reports import RENDERERS

    formats = ["text", *RENDERERS]
    if fmt not in formats:
        raise InputError(f"--format {fmt!r}: expected one of {', '.join(formats)}")
    threshold = parse_severity(fail_on)
    packs = [load_pack(n) for n in (pack or DEFAULT_PACKS)]
    rules = apply_overrides(collect_rules(packs), set_)
    result = check_plan(load_plan(plan), packs, rules, threshold)
    if fmt == "text":
        from mlm_audit.plan.render import render_check

        if output is not None:
            from rich.console import Console

            with output.open("w", encoding="utf-8") as fh:
                render_check(Console(file=fh, width=120), result, lang)
        else:
            render_check(out_console(), result, lang)
    else:
        write_output(RENDERERS[fmt](result, lang=lang), output)
    # The answer is out. Interpreter exit would now run a garbage collection over every
    # object the imports created (pydantic schemas, polars, rich): about a quarter of a
    # second, a third of this command. Freezing them skips that scan; atexit still runs.
    gc.freeze()
    return 1 if result.failing() else 0


@app.command("simulate")
def simulate(
    plan: Path = PlanArg,
    market_size: int = typer.Option(100_000, "--market-size", "-n",
                                    help="People who could ever join."),
    months: int = typer.Option(36, "--months", "-m", help="Months to simulate."),
    seed: int = typer.Option(0, "--seed", "-s", help="Random seed (same seed, same result)."),
    propensity: float = typer.Option(0.5, "--propensity", help="Recruits per active participant "
                                     "per month in an empty market."),
    retail_demand: float = typer.Option(1.0, "--retail-demand", help="Retail orders per active "
                                        "participant per month."),
    churn: float = typer.Option(0.05, "--churn", help="Monthly probability of quitting."),
    founders: int = typer.Option(10, "--founders", help="Participants at month 0."),
    attachment: str = typer.Option("propensity", "--attachment",
                                   help="Recruitment model: propensity, uniform, fixed."),
    recruits_per_agent: int = typer.Option(2, "--recruits-per-agent",
                                           help="'fixed' model: recruits per participant."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    output: Path | None = OutputOpt,
    out: Path | None = OutDirOpt,
) -> int:
    """Monte Carlo: grow a network under the plan in a finite market; who wins, who loses."""
    from pydantic import ValidationError

    from mlm_audit.plan.flows import write_csv
    from mlm_audit.plan.loader import load_plan
    from mlm_audit.plan.simulate import SimParams
    from mlm_audit.plan.simulate import simulate as run_sim

    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt!r}: expected text or json")
    try:
        params = SimParams.model_validate(dict(
            market_size=market_size, months=months, seed=seed, propensity=propensity,
            retail_demand=retail_demand, churn=churn, founders=founders, attachment=attachment,
            recruits_per_agent=recruits_per_agent))
    except ValidationError as e:
        raise InputError("\n".join(f"--{'-'.join(str(x) for x in er['loc']).replace('_', '-')}"
                                   f": {er['msg']}" for er in e.errors())) from None
    loaded = load_plan(plan)
    result = run_sim(loaded.model, params, record=out is not None)
    written: dict[str, int] = {}
    if out is not None and result.flows is not None:
        try:
            written = write_csv(result.flows, out, loaded.model.join.fee)
        except OSError as e:
            raise InputError(f"{out}: cannot write: {e.strerror}") from None
    doc = sim_document(result, loaded.path, loaded.sha256, str(out) if out else None, written)
    if fmt == "json":
        write_output(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", output)
    else:
        from mlm_audit.plan.render import render_simulation

        render_simulation(out_console(), doc, loaded.model.currency)
    return 0


def sim_document(result: SimResult, path: str, sha256: str, out: str | None,
                 written: dict[str, int]) -> dict[str, Any]:
    from mlm_audit.engine import tool_info

    return {
        "schema_version": 1,
        "tool": tool_info(),
        "plan": {"name": result.plan, "path": path, "sha256": sha256},
        "params": result.params.model_dump(),
        "summary": result.summary,
        "monthly": result.monthly,
        "out": {"dir": out, "rows": written} if out else None,
    }
