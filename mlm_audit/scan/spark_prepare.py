"""``--engine spark``: agents loaded into the process, orders and payouts scanned by Spark.

Inputs are Spark tables (``--agents-table`` ...) or Parquet paths (files or directories, named
with ``--agents`` ... or found in a data directory as ``agents.parquet`` ...). The network is
built exactly as for the local engine (:func:`mlm_audit.prepare.build`); only the scans run
elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlm_audit.io.loader import input_files
from mlm_audit.io.mapping import load_mapping, with_maps
from mlm_audit.model import DataIssue, InputError, InputInfo
from mlm_audit.network import Network
from mlm_audit.prepare import Source, build
from mlm_audit.scan.facts import Facts, ScanPlan
from mlm_audit.scan.local import frame_batches
from mlm_audit.scan.spark import scan_spark
from mlm_audit.scan.spark_issues import Load, load_issues
from mlm_audit.scan.spark_read import input_format, read_spark_inputs, sha256
from mlm_audit.scan.spark_session import Step, spark_session

if TYPE_CHECKING:
    from mlm_audit.pipeline import Inputs

def sources(inputs: Inputs) -> dict[str, str | Path | None]:
    """Where each table is read: a table name wins over a path."""
    tables = inputs.spark
    named = {"agents": tables.agents_table if tables else None,
             "orders": tables.orders_table if tables else None,
             "payouts": tables.payouts_table if tables else None}
    paths: dict[str, Path] = {}
    if inputs.path is not None or inputs.agents is not None:
        try:
            paths = input_files(inputs.path, inputs.agents, inputs.orders, inputs.payouts)
        except InputError:
            if named["agents"] is None:
                raise
    else:
        paths = {t: p for t, p in (("orders", inputs.orders), ("payouts", inputs.payouts))
                 if p is not None}
    out: dict[str, str | Path | None] = {t: named[t] or paths.get(t) for t in named}
    if out["agents"] is None:
        raise InputError("--engine spark needs the agents: --agents-table NAME or --agents "
                         "PATH (Parquet)")
    for table, src in out.items():
        if isinstance(src, Path) and src.is_file() and src.suffix.lower() != ".parquet":
            raise InputError(f"{src}: --engine spark reads Parquet files or Spark tables; "
                             f"convert the {table} file to Parquet or use --engine local")
    return out


def job_failure(e: Exception) -> Exception:
    """A failed Spark job (lost executors, a driver out of memory, ...) as a one-line error
    with what to do, not a Java stack trace; anything else is returned as it is (a bug)."""
    if not type(e).__module__.startswith(("py4j", "pyspark")):
        return e
    text = str(e).strip()
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(e).__name__)
    return InputError(f"a Spark job failed: {first[:300]}. The fact tables come back to the "
                      "driver: if it ran out of memory, give it more (--driver-memory, "
                      "spark.driver.maxResultSize)")


def prepare_spark(inputs: Inputs, plan: ScanPlan, step: Step | None = None
                  ) -> tuple[Network, list[DataIssue], list[InputInfo]]:
    where = sources(inputs)
    m = with_maps(load_mapping(inputs.mapping), inputs.maps)
    spark = spark_session(inputs.spark.master if inputs.spark else None)
    agents_at = where["agents"]
    assert agents_at is not None
    data = read_spark_inputs(spark, where["orders"], where["payouts"], agents_at, m)
    loads: dict[str, Load] = {}

    def scan_with(net: Network, p: ScanPlan) -> Facts:
        loads.clear()
        try:
            return scan_spark(spark, data.orders, data.payouts, net.dim, p, step, loads)
        except Exception as e:
            raise job_failure(e) from None

    def source(table: str) -> Source:
        name = data.names.get(table)

        def report() -> tuple[list[InputInfo], list[DataIssue]]:
            load = loads.get(table, Load())
            at = where[table] or ""
            minor = getattr(m, table).money_unit == "minor"
            info = InputInfo(table, str(at), sha256(at), "binary", input_format(at),
                             load.read, load.loaded, load.rejected)
            return [info], load_issues(table, str(at), load, data.ignored.get(table, []), minor)

        return Source(frame_batches(None, table), name, report if name else lambda: ([], []))

    agent_info = data.inputs[0] if data.inputs else None
    return build(data.agents, agent_info, data.issues, source("orders"), source("payouts"),
                 plan, scan_with, dict(data.names))
