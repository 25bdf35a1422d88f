"""Load, preflight and scan: the network an audit runs on, from either engine.

Agents are loaded whole (the tree needs them in one process). Orders and payouts are never
held whole: the local engine streams them in batches (:mod:`mlm_audit.scan.local`), the
Spark engine aggregates them where they live (:mod:`mlm_audit.scan.spark`). Both return the
same fact tables, so everything after this module is engine-blind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mlm_audit import preflight
from mlm_audit.io.loader import load_table
from mlm_audit.io.mapping import MappingFile, load_mapping, with_maps
from mlm_audit.model import DataIssue, InputError, InputInfo
from mlm_audit.network import Network
from mlm_audit.scan.facts import Facts, ScanPlan
from mlm_audit.scan.local import Batches, frame_batches, scan
from mlm_audit.scan.spill import partition_bits

Step = Callable[[str], None]
BATCH_ROWS = 1_000_000  # engineering default: rows per batch of a scan
BYTES_PER_ROW = 24  # engineering default: a low guess, so partitions err on the small side


@dataclass
class Source:
    """One orders or payouts input as batches, with what reading it learned (complete once
    the first pass is over)."""

    batches: Batches
    path: str | None = None
    report: Callable[[], tuple[list[InputInfo], list[DataIssue]]] = lambda: ([], [])
    close: Callable[[], None] = lambda: None

    @property
    def present(self) -> bool:
        return self.path is not None


def local_source(table: str, path: Path | None, m: MappingFile) -> Source:
    if path is None:
        return Source(frame_batches(None, table))
    from mlm_audit.io.stream import open_stream

    stream = open_stream(table, path, m, BATCH_ROWS)
    stream.start()  # the first batches are read while the agents load
    return Source(stream.batches, stream.path, lambda: ([stream.info], list(stream.issues)),
                  stream.close)


def build(agents: pl.DataFrame, agent_info: InputInfo | None, agent_issues: list[DataIssue],
          orders: Source, payouts: Source, plan: ScanPlan,
          scan_with: Callable[[Network, ScanPlan], Facts],
          sources: dict[str, str | None]) -> tuple[Network, list[DataIssue], list[InputInfo]]:
    """Preflight the agents, build the tree, scan, then finish preflight."""
    issues = list(agent_issues)
    clean, parent, index = preflight.sound_agents(agents, sources.get("agents"), issues)
    indexed = clean.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int32))
    net = Network(indexed, parent, None, orders.present, payouts.present, sources, scan_with,
                  index)
    net.facts = scan_with(net, plan)
    infos = [agent_info] if agent_info is not None else []
    for src in (orders, payouts):
        more_infos, more_issues = src.report()
        infos.extend(more_infos)
        issues.extend(more_issues)
    preflight.finish(net, issues)
    return net, issues, infos


def prepare_local(files: dict[str, Path], mapping: Path | None, maps: tuple[str, ...],
                  plan: ScanPlan, step: Step | None = None
                  ) -> tuple[Network, list[DataIssue], list[InputInfo]]:
    m = with_maps(load_mapping(mapping), maps)
    # orders and payouts are opened first: their byte scans (hash, encoding) and their first
    # batches run while the agents load; an error in the agents file is still the one
    # reported first
    opened: list[Source] = []
    failed: InputError | None = None
    try:
        for table in ("orders", "payouts"):
            opened.append(local_source(table, files.get(table), m))
    except InputError as e:
        failed = e
    try:
        agents, info, agent_issues = load_table("agents", files["agents"], m)
        if failed is not None:
            raise failed
    except BaseException:
        for src in opened:
            src.close()
        raise
    orders, payouts = opened
    sources = {"agents": info.path, "orders": orders.path, "payouts": payouts.path}

    size = max((files[t].stat().st_size for t in ("orders", "payouts") if t in files),
               default=0)
    bits = partition_bits(size // BYTES_PER_ROW)

    def scan_with(net: Network, p: ScanPlan) -> Facts:
        return scan(orders.batches, payouts.batches, net.dim, p, step, bits)

    try:
        return build(agents, info, agent_issues, orders, payouts, plan, scan_with, sources)
    finally:  # a pass begun early and not read (the audit stopped before the scan) stops
        for src in opened:
            src.close()
