"""Scale benchmark: generate data, then time in one run (each step in its own process):

(a) the raw pyarrow parse of the same files, (b) ``mlm-audit audit`` end to end,
(c) the naive networkx implementation of the same metrics (``bench_naive.py``).

Prints wall time, peak RSS and the ratios. With ``--repeat N`` the parse and the audit run
N times each, alternately (parse, audit, parse, audit, ...), so that both meet the same
machine; the ratios use the median of each. Usage::

    python benchmarks/run.py --agents 1000000 --orders-per-agent 10 --workdir /work/bench-data

Not part of the test suite (pytest collects only ``tests/``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (KiB), from /proc."""
    total = 0
    for task in Path("/proc").glob("[0-9]*"):
        try:
            stat = (task / "stat").read_text().rsplit(")", 1)[1].split()
            if int(task.name) == pid or int(stat[1]) == pid:
                total += int(stat[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    return total


def _cpu() -> str:
    """The processor's model name (the figures differ by processor, not only by load)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def measure(name: str, argv: list[str], max_rss_gib: float, ok: tuple[int, ...] = (0,)
            ) -> dict[str, float]:
    """Run argv under /usr/bin/time -v; wall seconds and peak RSS (GiB) of that process.

    A watchdog kills the run if it goes above ``max_rss_gib`` (the machine is shared)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([TIME, "-v", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    killed_at = 0.0
    while proc.poll() is None:
        rss = _tree_rss_kib(proc.pid) / 2**20
        if rss > max_rss_gib:
            killed_at = rss
            for task in Path("/proc").glob("[0-9]*"):  # the child under /usr/bin/time
                try:
                    if int((task / "stat").read_text().rsplit(")", 1)[1].split()[1]) == proc.pid:
                        os.kill(int(task.name), 9)
                except (OSError, IndexError, ValueError):
                    continue
            break
        time.sleep(0.5)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if killed_at:
        print(f"{name:<10} KILLED after {wall:.1f} s at {killed_at:.2f} GiB "
              f"(limit {max_rss_gib} GiB)", flush=True)
        return {"wall_s": round(wall, 2), "killed_at_rss_gib": round(killed_at, 2)}
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    peak = int(m.group(1)) / 2**20 if m else float("nan")
    cpu = sum(float(c) for c in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", err))
    if proc.returncode not in ok:
        sys.stderr.write(err[-3000:])
        raise SystemExit(f"{name} failed with exit code {proc.returncode}")
    print(f"{name:<10} wall {wall:8.2f} s   cpu {cpu:8.2f} s   peak RSS {peak:6.2f} GiB",
          flush=True)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_gib": round(peak, 2)}


def _summary(runs: list[dict[str, float]]) -> dict[str, object]:
    """One run as measured; several as their medians, with every run listed."""
    if len(runs) == 1 or any("killed_at_rss_gib" in r for r in runs):
        return dict(runs[-1])
    out: dict[str, object] = {
        k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
    out["runs"] = runs
    print(f"{'median':<10} wall {out['wall_s']:8.2f} s over {len(runs)} runs", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--orders-per-agent", type=float, default=10.0)
    ap.add_argument("--scenario", default="pyramid")
    ap.add_argument("--format", default="csv", choices=["csv", "parquet"])
    ap.add_argument("--workdir", type=Path, default=Path("/work/bench-data"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-naive", action="store_true",
                    help="Do not run the naive version (it needs ~1.5 KiB per agent and minutes)")
    ap.add_argument("--reuse", action="store_true", help="Reuse data already generated")
    ap.add_argument("--stream-parse", action="store_true",
                    help="Parse baseline batch by batch (when parsed tables exceed RAM)")
    ap.add_argument("--max-rss-gib", type=float, default=18.0,
                    help="Kill a step whose resident memory goes above this")
    ap.add_argument("--repeat", type=int, default=1,
                    help="Run the parse and the audit this many times each, alternately; "
                         "ratios use the medians")
    args = ap.parse_args()

    data = args.workdir / f"{args.scenario}-{args.agents}-{args.orders_per_agent:g}-{args.format}"
    py = sys.executable
    results: dict[str, object] = {"cpu": _cpu(), "load_average_before": os.getloadavg(),
                                  "agents": args.agents, "scenario": args.scenario,
                                  "orders_per_agent": args.orders_per_agent,
                                  "format": args.format, "data": str(data)}
    if not (args.reuse and (data / "scenario.json").exists()):
        results["generate"] = measure("generate", [
            py, "-c", "from mlm_audit.cli.entry import run; run()", "generate", args.scenario,
            "--agents", str(args.agents), "--orders-per-agent", str(args.orders_per_agent),
            "--seed", str(args.seed), "--format", args.format, "--out", str(data)],
            args.max_rss_gib)
    # bytecode as an installed package has it (pip compiles on install), also where the
    # environment says not to write it (PYTHONDONTWRITEBYTECODE): no step compiles sources
    subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "mlm_audit")], check=True)
    meta = json.loads((data / "scenario.json").read_text(encoding="utf-8"))
    results["rows"] = {k: meta[k] for k in ("agents", "orders", "payouts")}
    results["bytes"] = sum(p.stat().st_size for p in data.iterdir())
    parse = [py, str(ROOT / "benchmarks" / "bench_parse.py"), str(data)]
    parse += ["--stream"] if args.stream_parse else []
    audit = [py, "-c", "from mlm_audit.cli.entry import run; run()", "audit", str(data),
             "--format", "json", "--output", os.devnull]
    results["parse_mode"] = "stream" if args.stream_parse else "read_csv"
    runs: dict[str, list[dict[str, float]]] = {"parse": [], "audit": []}
    for _ in range(max(args.repeat, 1)):
        runs["parse"].append(measure("parse", parse, args.max_rss_gib))
        runs["audit"].append(measure("audit", audit, args.max_rss_gib, ok=(0, 1)))
        if "killed_at_rss_gib" in runs["audit"][-1]:
            break
    for step, got in runs.items():
        results[step] = _summary(got)
    if not args.skip_naive and args.format == "csv":
        results["naive"] = measure("naive", [py, str(ROOT / "benchmarks" / "bench_naive.py"),
                                             str(data)], args.max_rss_gib)
    if "killed_at_rss_gib" in results["audit"]:  # type: ignore[operator]
        print(json.dumps(results, indent=2))
        return
    audit_s = results["audit"]["wall_s"]  # type: ignore[index]
    ratios = {"audit_over_parse": round(audit_s / results["parse"]["wall_s"], 2)}  # type: ignore[index]
    if "naive" in results:
        ratios["naive_over_audit"] = round(results["naive"]["wall_s"] / audit_s, 1)  # type: ignore[index]
    results["ratios"] = ratios
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
