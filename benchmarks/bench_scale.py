"""Scale benchmark of one audit: wall time and peak memory of ``mlm-audit audit`` on one
dataset and engine, beside the raw pyarrow read of the same orders.

    python benchmarks/bench_scale.py /work/bench-data/pyramid-10000000-30-parquet --engine local
    python benchmarks/bench_scale.py DIR --engine spark --spark-master 'local[2]'
    python benchmarks/bench_scale.py DIR --no-engine-flag          # CLI without --engine

Each measured step runs in its own process. The audit's process tree (for Spark, the JVM
is a child of the Python driver) is polled every ``--poll`` seconds: resident memory summed
over the tree, CPU time of every process in it. ``/usr/bin/time -v`` adds the exact peak of
the largest single process. A watchdog kills the tree above ``--max-rss-gib``, after
``--timeout`` seconds, or when the machine's available memory falls below
``--min-free-gib`` (a shared machine: better our run than someone else's job). The
report's findings and data issues are hashed, so runs of two engines on the same data can
be compared. Prints a table and appends one JSON line per step and run to
``benchmarks/results-scale.jsonl``. Not part of the test suite (pytest collects only
``tests/``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from watch import GIB, measure  # noqa: E402


# -- raw read baseline (runs in its own process: ``--read-worker``) -------------------------
def table_files(data: Path, table: str) -> list[Path]:
    """``table.csv``/``.parquet``/… in ``data``, or the Parquet parts of a ``table/`` dir."""
    found = sorted(p for p in data.glob(f"{table}.*") if p.is_file())
    part_dir = data / table
    if part_dir.is_dir():
        found += sorted(part_dir.rglob("*.parquet"))
    return found


def read_worker(files: list[Path], mode: str) -> None:
    """Read every file with pyarrow, all columns: whole (``read_csv``/``read_table``) or
    batch by batch keeping nothing (bounded memory, for files larger than RAM)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = 0
    for f in files:
        if f.suffix == ".parquet" and mode == "whole":
            rows += pq.read_table(f).num_rows
        elif f.suffix == ".parquet":
            for batch in pq.ParquetFile(f).iter_batches(batch_size=1 << 20):
                rows += batch.num_rows
        elif mode == "whole":
            rows += pacsv.read_csv(f).num_rows
        else:
            with pacsv.open_csv(f, read_options=pacsv.ReadOptions(block_size=1 << 24)) as r:
                for batch in r:
                    rows += batch.num_rows
    print(rows)


def read_mode(files: list[Path], asked: str) -> str:
    """``auto``: whole when the parsed tables surely fit in memory, else streamed."""
    if asked != "auto":
        return asked
    csv = sum(f.stat().st_size for f in files if f.suffix != ".parquet")
    parquet = sum(f.stat().st_size for f in files if f.suffix == ".parquet")
    return "whole" if csv + 12 * parquet < 3 * GIB else "stream"


# -- driver -------------------------------------------------------------------------------
def git_head(root: Path) -> str:
    r = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "?"


def audit_argv(a: argparse.Namespace, report: Path) -> list[str]:
    argv = [a.python, "-m", "mlm_audit", "audit", str(a.data)]
    if not a.no_engine_flag:
        argv += ["--engine", a.engine]
        if a.engine == "spark" and a.spark_master:
            argv += ["--spark-master", a.spark_master]
    argv += ["-f", "json", "-o", str(report)]
    if not a.with_store:
        argv.append("--no-store")
    for p in a.pack:
        argv += ["--pack", p]
    return argv + a.audit_arg


def report_summary(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    same = json.dumps([doc.get("findings"), doc.get("data_issues")], sort_keys=True)
    return {"summary": doc.get("summary"), "findings": len(doc.get("findings", [])),
            "data_issues": len(doc.get("data_issues", [])),
            "sha256": hashlib.sha256(same.encode()).hexdigest()[:16]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="dataset directory (agents, orders, payouts)")
    ap.add_argument("--engine", default="local", choices=["local", "spark"])
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--no-engine-flag", action="store_true",
                    help="call audit without --engine/--spark-master (CLI before engines)")
    ap.add_argument("--code", type=Path, default=HERE.parent,
                    help="source tree put on PYTHONPATH (default: this checkout)")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--pack", action="append", default=[])
    ap.add_argument("--audit-arg", action="append", default=[],
                    help="extra argument passed to audit (repeatable)")
    ap.add_argument("--with-store", action="store_true", help="record the run (default --no-store)")
    ap.add_argument("--read", default="auto", choices=["auto", "whole", "stream", "skip"],
                    help="raw pyarrow read baseline of the orders files")
    ap.add_argument("--read-tables", default="orders",
                    help="comma-separated tables for the read baseline (orders,payouts,agents)")
    ap.add_argument("--repeat", type=int, default=1, help="audit runs (the read runs once)")
    ap.add_argument("--max-rss-gib", type=float, default=20.0)
    ap.add_argument("--min-free-gib", type=float, default=1.5,
                    help="kill the run when the machine's available memory falls below this")
    ap.add_argument("--timeout", type=float, default=3 * 3600.0)
    ap.add_argument("--poll", type=float, default=0.2)
    ap.add_argument("--report", type=Path, default=None, help="JSON report path of the audit")
    ap.add_argument("--results", type=Path, default=HERE / "results-scale.jsonl")
    ap.add_argument("--note", default="", help="free text stored with the results")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    data = a.data.resolve()
    env = {**os.environ, "PYTHONPATH": str(a.code.resolve())}
    meta_file = data / "scenario.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    base: dict[str, Any] = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": str(data), "rows": {k: meta[k] for k in ("agents", "orders", "payouts")
                                    if k in meta},
        "bytes": sum(p.stat().st_size for p in data.rglob("*") if p.is_file()),
        "code": str(a.code.resolve()), "commit": git_head(a.code), "cpus": os.cpu_count(),
        "note": a.note,
    }
    lines: list[dict[str, Any]] = []
    read_s = None
    if a.read != "skip":
        files = [f for t in a.read_tables.split(",") for f in table_files(data, t.strip())]
        mode = read_mode(files, a.read)
        rec = {**base, "step": "read", "mode": mode, "tables": a.read_tables,
               "load_before": os.getloadavg()}
        rec.update(measure([a.python, str(Path(__file__).resolve()), "--read-worker", mode,
                            *map(str, files)], env, a.max_rss_gib, a.timeout, a.poll,
                           a.min_free_gib))
        rec["load_after"] = os.getloadavg()
        read_s = rec["wall_s"] if rec["exit_code"] == 0 else None
        lines.append(rec)
        _print(rec)
    report = a.report or Path(tempfile.gettempdir()) / f"bench-scale-{a.engine}.json"
    for i in range(a.repeat):
        rec = {**base, "step": "audit", "engine": "default" if a.no_engine_flag else a.engine,
               "spark_master": a.spark_master if a.engine == "spark" else None, "run": i + 1,
               "argv": audit_argv(a, report)[1:], "load_before": os.getloadavg()}
        report.unlink(missing_ok=True)
        rec.update(measure(audit_argv(a, report), env, a.max_rss_gib, a.timeout, a.poll,
                           a.min_free_gib))
        rec["load_after"] = os.getloadavg()
        if read_s and rec["exit_code"] in (0, 1) and not rec.get("killed"):
            rec["audit_over_read"] = round(rec["wall_s"] / read_s, 2)
        rec["report"] = report_summary(report)
        lines.append(rec)
        _print(rec)
    with a.results.open("a", encoding="utf-8") as fh:
        for rec in lines:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
    ok = all(r["exit_code"] in (0, 1) and not r.get("killed") for r in lines)
    return 0 if ok else 1


def _print(rec: dict[str, Any]) -> None:
    what = rec["step"] + (f" {rec['engine']}" if "engine" in rec else f" ({rec['mode']})")
    extra = f"  x{rec['audit_over_read']} read" if "audit_over_read" in rec else ""
    extra += f"  KILLED: {rec['killed']}" if "killed" in rec else ""
    print(f"{what:<16} wall {rec['wall_s']:9.2f} s  peak RSS {rec['peak_rss_gib']:6.2f} GiB"
          f" (tree {rec['peak_tree_rss_gib']:.2f}, one proc {rec['peak_proc_rss_gib']:.2f})"
          f"  cpu {rec['tree_cpu_s']:.0f} s  exit {rec['exit_code']}{extra}",
          flush=True)
    for ln in rec.get("stderr_tail", []):
        print(f"    {ln}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--read-worker":
        read_worker([Path(p) for p in sys.argv[3:]], sys.argv[2])
        raise SystemExit(0)
    raise SystemExit(main())
