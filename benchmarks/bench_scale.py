"""Scale benchmark of one audit: wall time and peak memory of ``mlm-audit audit`` on one
dataset and engine, beside the raw pyarrow read of the same orders.

    python benchmarks/bench_scale.py /work/bench-data/pyramid-10000000-30-parquet --engine local
    python benchmarks/bench_scale.py DIR --engine spark --spark-master 'local[2]'
    python benchmarks/bench_scale.py DIR --no-engine-flag          # CLI without --engine

Each measured step runs in its own process. The audit's process tree (for Spark, the JVM
is a child of the Python driver) is polled every ``--poll`` seconds: resident memory summed
over the tree, CPU time of every process in it. ``/usr/bin/time -v`` adds the exact peak of
the largest single process. A watchdog kills the tree above ``--max-rss-gib`` or after
``--timeout`` seconds. The report's findings and data issues are hashed, so runs of two
engines on the same data can be compared. Prints a table and appends one JSON line per
step and run to ``benchmarks/results-scale.jsonl``.
Not part of the test suite (pytest collects only ``tests/``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = os.sysconf("SC_PAGE_SIZE")
HZ = os.sysconf("SC_CLK_TCK")
GIB = 2**30
TIME = "/usr/bin/time"


# -- process tree -------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for task in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((task / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(task.name))
    return kids


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc, at this instant)."""
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def cpu_ticks(pids: list[int], seen: dict[int, int]) -> None:
    """Record utime + stime (clock ticks) of each process; the last value seen counts."""
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            seen[p] = int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            continue


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def _kill(pids: list[int]) -> None:
    for p in reversed(pids):  # children first, then their parents
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)


def _time_v(text: str) -> dict[str, float]:
    def num(label: str) -> float:
        m = re.search(rf"{re.escape(label)}: ([\d.]+)", text)
        return float(m.group(1)) if m else float("nan")

    return {"user_s": num("User time (seconds)"), "sys_s": num("System time (seconds)"),
            "peak_proc_rss_gib": round(num("Maximum resident set size (kbytes)") / 2**20, 3)}


def measure(argv: list[str], env: dict[str, str], max_rss_gib: float, timeout: float,
            poll: float) -> dict[str, Any]:
    """Run ``argv`` under ``/usr/bin/time -v``; poll the summed RSS of its process tree."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, \
            tempfile.TemporaryFile("w+") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen([TIME, "-v", "-o", tf.name, *argv], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
        peak, killed, ticks = 0, "", dict[int, int]()
        while proc.poll() is None:
            pids = tree(proc.pid)
            peak = max(peak, rss_bytes(pids))
            cpu_ticks(pids, ticks)
            elapsed = time.perf_counter() - t0
            if peak > max_rss_gib * GIB or elapsed > timeout:
                killed = (f"tree RSS {peak / GIB:.2f} GiB > {max_rss_gib} GiB"
                          if peak > max_rss_gib * GIB else f"timeout {timeout:.0f} s")
                _kill(pids[1:])  # not /usr/bin/time itself: it still reports CPU time
                proc.wait()
                break
            time.sleep(poll)
        wall = time.perf_counter() - t0
        log.seek(0)
        err = log.read()
        res: dict[str, Any] = {"wall_s": round(wall, 2), "exit_code": proc.returncode,
                               "peak_tree_rss_gib": round(peak / GIB, 3),
                               "tree_cpu_s": round(sum(ticks.values()) / HZ, 1)}
        res.update(_time_v(tf.read()))
    # polling can miss a short peak of one process; /usr/bin/time cannot (but sees no sums)
    res["peak_rss_gib"] = max(res["peak_tree_rss_gib"], res["peak_proc_rss_gib"])
    if killed:
        res["killed"] = killed
    tail = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("\t")]
    if proc.returncode not in (0, 1) and tail:
        res["stderr_tail"] = tail[-8:]
    return res


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
                            *map(str, files)], env, a.max_rss_gib, a.timeout, a.poll))
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
        rec.update(measure(audit_argv(a, report), env, a.max_rss_gib, a.timeout, a.poll))
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
