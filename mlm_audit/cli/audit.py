"""``audit``, ``validate`` and ``demo``: the main job."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlm_audit.cli import output as out
from mlm_audit.cli import store as store_cmd
from mlm_audit.cli.common import parse_severity, progress
from mlm_audit.model import AuditResult, InputError, IssueLevel

if TYPE_CHECKING:
    from mlm_audit import pipeline

# The data libraries load when a command runs, not when the CLI starts: `--help`, `history`
# and `plan check` stay fast.

PathArg = typer.Argument(None, help="Directory with agents.*, orders.*, payouts.*; or an agents "
                                    "file.", show_default=False)
AgentsOpt = typer.Option(None, "--agents", help="Agents file (CSV/TSV/XLSX/JSON/NDJSON/Parquet).")
OrdersOpt = typer.Option(None, "--orders", help="Orders file (optional).")
PayoutsOpt = typer.Option(None, "--payouts", help="Payouts file (optional).")
MappingOpt = typer.Option(None, "--mapping", help="YAML mapping of file headers to columns.")
MapOpt = typer.Option([], "--map", help="Map one header: [TABLE.]column=Header, e.g. "
                      "agent_id=会员号 (repeatable; wins over --mapping).")
StrictOpt = typer.Option(False, "--strict", help="Exit 2 when preflight finds error-level issues.")
EngineOpt = typer.Option("local", "--engine", help="Where orders and payouts are scanned: local "
                         "(streams files in bounded memory) or spark (Parquet paths or Spark "
                         "tables; pip install 'mlm-audit[spark]').")
MasterOpt = typer.Option(None, "--spark-master", help="Spark master, e.g. local[2] or "
                         "spark://host:7077 (default: the active session under spark-submit, "
                         "else local[2]).")
AgentsTableOpt = typer.Option(None, "--agents-table", help="Spark table of agents "
                              "(--engine spark).")
OrdersTableOpt = typer.Option(None, "--orders-table", help="Spark table of orders "
                              "(--engine spark).")
PayoutsTableOpt = typer.Option(None, "--payouts-table", help="Spark table of payouts "
                               "(--engine spark).")


def _inputs(path: Path | None, agents: Path | None, orders: Path | None,
            payouts: Path | None, mapping: Path | None, maps: list[str] | None = None,
            engine: str = "local", master: str | None = None,
            tables: tuple[str | None, str | None, str | None] = (None, None, None),
            ) -> pipeline.Inputs:
    from mlm_audit import pipeline

    engine = engine.strip().lower()
    if engine not in ("local", "spark"):
        raise InputError(f"--engine {engine!r}: expected local or spark")
    named = [f"--{t}-table" for t, v in zip(("agents", "orders", "payouts"), tables,
                                             strict=True) if v]
    if engine == "local" and (named or master):
        raise InputError(f"{', '.join(named or ['--spark-master'])} needs --engine spark")
    if path is None and agents is None and tables[0] is None:
        raise InputError("give a data directory (mlm-audit audit DIR) or --agents FILE")
    spark = None
    if engine == "spark":
        spark = pipeline.SparkInputs(master, *tables)
    return pipeline.Inputs(path, agents, orders, payouts, mapping, tuple(maps or ()), engine,
                           spark)


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
    map_: list[str] = MapOpt,
    pack: list[str] = typer.Option([], "--pack", "-p", help="Rule pack name or YAML file "
                                   "(repeatable; default: baseline)."),
    set_: list[str] = typer.Option([], "--set", help="Override a rule parameter for this run: "
                                   "RULE.param=value (repeatable)."),
    fail_on: str = typer.Option("high", "--fail-on", help="Exit 1 when a finding is at or above "
                                "this severity: info, low, medium, high, critical."),
    fmt: list[str] = out.FormatsOpt,
    output: list[Path] = out.OutputsOpt,
    lang: str = out.LangOpt,
    strict: bool = StrictOpt,
    bundle: Path | None = out.BundleOpt,
    store: Path | None = store_cmd.StoreOpt,
    no_store: bool = store_cmd.NoStoreOpt,
    waivers: Path | None = store_cmd.WaiversOpt,
    baseline: str | None = store_cmd.BaselineOpt,
    write_baseline: Path | None = store_cmd.WriteBaselineOpt,
    engine: str = EngineOpt,
    spark_master: str | None = MasterOpt,
    agents_table: str | None = AgentsTableOpt,
    orders_table: str | None = OrdersTableOpt,
    payouts_table: str | None = PayoutsTableOpt,
) -> int:
    """Load, preflight, run rule packs, report, record. The main job."""
    from mlm_audit import evidence, pipeline
    from mlm_audit import waivers as waivers_mod

    threshold = parse_severity(fail_on)
    inputs = _inputs(path, agents, orders, payouts, mapping, map_, engine, spark_master,
                     (agents_table, orders_table, payouts_table))
    targets = out.plan(fmt, output)
    packs = pipeline.load_packs(pack)
    waiver_set = waivers_mod.load(waivers) if waivers is not None else None
    with progress() as step:
        prepared = pipeline.prepare(inputs, step, pipeline.scan_plan(packs, set_))
        result = pipeline.audit(prepared, packs, set_, threshold, step=step,
                                waivers=waiver_set, today=date.today())
    store_cmd.finish_audit(result, prepared, packs, store_file=store, no_store=no_store,
                           baseline=baseline, write_baseline=write_baseline)
    now = out.clock()
    written = out.emit(result, targets, lang, now)
    if bundle is not None:
        given = {k: str(v) if v is not None else None for k, v in vars(inputs).items()}
        rec = evidence.Recorded([], given, list(pack), list(set_), threshold.value, lang, written)
        out.write_bundle(bundle, result, packs, rec, now)
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
    map_: list[str] = MapOpt,
    fmt: list[str] = out.FormatsOpt,
    output: list[Path] = out.OutputsOpt,
    strict: bool = StrictOpt,
    lang: str = out.LangOpt,
    engine: str = EngineOpt,
    spark_master: str | None = MasterOpt,
    agents_table: str | None = AgentsTableOpt,
    orders_table: str | None = OrdersTableOpt,
    payouts_table: str | None = PayoutsTableOpt,
) -> int:
    """Load and preflight only: data-quality report, no rules."""
    from mlm_audit import pipeline

    inputs = _inputs(path, agents, orders, payouts, mapping, map_, engine, spark_master,
                     (agents_table, orders_table, payouts_table))
    targets = out.plan(fmt, output)
    with progress() as step:
        result = pipeline.validate_only(pipeline.prepare(inputs, step))
    out.emit(result, targets, lang, out.clock())
    return _strict_exit(result, strict) or 0


def sample_data_dir() -> Path:
    installed = Path(str(resources.files("mlm_audit"))) / "_sample_data"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "sample_data"


def demo(
    fmt: list[str] = out.FormatsOpt,
    output: list[Path] = out.OutputsOpt,
    lang: str = out.LangOpt,
    bundle: Path | None = out.BundleOpt,
) -> int:
    """Audit the bundled sample WeChat-shop export with the baseline pack (not recorded)."""
    data = sample_data_dir() / "wechat_shop"
    return audit(path=data, agents=None, orders=None, payouts=None, mapping=None, map_=[],
                 pack=[], set_=[], fail_on="high", fmt=fmt, output=output, lang=lang,
                 strict=False, bundle=bundle, store=None, no_store=True, waivers=None,
                 baseline=None, write_baseline=None, engine="local", spark_master=None,
                 agents_table=None, orders_table=None, payouts_table=None)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("validate")(validate)
    app.command("demo")(demo)
