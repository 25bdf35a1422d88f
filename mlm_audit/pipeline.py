"""Library entry points used by the CLI: load -> preflight -> rules -> AuditResult."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mlm_audit import engine, report_data
from mlm_audit.checks import REGISTRY
from mlm_audit.io.loader import input_files
from mlm_audit.model import AuditResult, DataIssue, InputError, InputInfo, Severity
from mlm_audit.network import Network
from mlm_audit.packs import Pack, apply_overrides, collect_rules, load_pack
from mlm_audit.prepare import prepare_local
from mlm_audit.scan.facts import ScanPlan
from mlm_audit.waivers import WaiverSet

DEFAULT_PACKS = ("baseline",)


@dataclass
class Inputs:
    path: Path | None = None
    agents: Path | None = None
    orders: Path | None = None
    payouts: Path | None = None
    mapping: Path | None = None
    maps: tuple[str, ...] = ()
    engine: str = "local"
    spark: SparkInputs | None = None


@dataclass
class SparkInputs:
    """Where ``--engine spark`` reads: Spark tables (or Parquet paths, in ``Inputs``)."""

    master: str | None = None
    agents_table: str | None = None
    orders_table: str | None = None
    payouts_table: str | None = None


@dataclass
class Prepared:
    network: Network
    issues: list[DataIssue]
    inputs: list[InputInfo]


def prepare(inputs: Inputs, step: Callable[[str], None] | None = None,
            plan: ScanPlan | None = None) -> Prepared:
    """Load and preflight the agents, build the tree, scan orders and payouts on the chosen
    engine (``plan``: what the rules ask of the scans; :func:`scan_plan`)."""
    if step:
        step("loading")
    plan = plan or ScanPlan()
    if inputs.engine == "spark":
        from mlm_audit.scan.spark_prepare import prepare_spark

        net, issues, infos = prepare_spark(inputs, plan, step)
    elif inputs.engine == "local":
        files = input_files(inputs.path, inputs.agents, inputs.orders, inputs.payouts)
        net, issues, infos = prepare_local(files, inputs.mapping, inputs.maps, plan, step)
    else:
        raise InputError(f"--engine {inputs.engine!r}: expected local or spark")
    return Prepared(net, issues, infos)


def scan_plan(packs: Sequence[Pack], sets: Sequence[str] = ()) -> ScanPlan:
    """What the rules ask of the scans (:func:`mlm_audit.engine.scan_needs`)."""
    return engine.scan_needs(apply_overrides(collect_rules(list(packs)), list(sets)))


def load_packs(names: Sequence[str]) -> list[Pack]:
    return [load_pack(n) for n in (names or DEFAULT_PACKS)]


def audit(
    prepared: Prepared,
    packs: Sequence[Pack],
    sets: Sequence[str] = (),
    fail_on: Severity = Severity.high,
    waive: engine.Waive | None = None,
    step: Callable[[str], None] | None = None,
    waivers: WaiverSet | None = None,
    today: date | None = None,
) -> AuditResult:
    """Run the packs. ``waivers`` are judged against ``today`` (injected: no clock here)."""
    rules = apply_overrides(collect_rules(list(packs)), list(sets))
    if waivers is not None:
        if today is None:
            raise ValueError("waivers need today's date to judge expiry")
        ws, day = waivers, today
        waive = lambda findings: ws.apply(findings, day)  # noqa: E731
    result = engine.run_audit(prepared.network, packs, rules, prepared.issues, prepared.inputs,
                              fail_on, waive, step)
    if waivers is not None:
        result.waivers = waivers.status()
    return report_data.attach(result, prepared.network, rules)


def check_versions(packs: Sequence[Pack]) -> dict[str, int]:
    """Version of every check type the packs use (recorded with each stored run)."""
    names = {r.model.check for r in collect_rules(list(packs))}
    return {n: REGISTRY[n].version for n in sorted(names) if n in REGISTRY}


def validate_only(prepared: Prepared) -> AuditResult:
    result = engine.run_audit(prepared.network, [], [], prepared.issues, prepared.inputs)
    return report_data.attach(result, prepared.network)
