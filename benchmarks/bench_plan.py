"""Plan benchmarks: ``plan simulate`` at 1M participants × 36 months, ``plan check`` start-up.

Run from the repository root::

    python benchmarks/bench_plan.py            # print the figures
    python benchmarks/bench_plan.py --write    # also update the "Plan" section of
                                               # benchmarks/README.md (other sections kept)

``plan check`` is timed as a fresh process, start-up included, the way a pipeline calls it:
the installed ``mlm-audit`` script when it is on PATH, else ``python -c`` on this checkout.
CPU time (user + sys of the child) is reported next to wall time because wall time on a
shared machine also measures the neighbours.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PLANS = ROOT / "sample_data" / "plans"
README = ROOT / "benchmarks" / "README.md"


def bench_simulate(plan: str, market: int, months: int, seed: int) -> dict[str, object]:
    from mlm_audit.plan.loader import load_plan
    from mlm_audit.plan.simulate import SimParams, simulate

    model = load_plan(PLANS / f"{plan}.yaml").model
    params = SimParams(market_size=market, months=months, seed=seed)
    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(model, params)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = result.summary
    return {"plan": plan, "wall": wall, "cpu": cpu, "participants": s["participants"],
            "depth": s["depth"], "loss_share": s["loss_share"],
            "saturation": s["months_to_saturation"]}


def check_command(plan: Path) -> list[str]:
    exe = shutil.which("mlm-audit")
    if exe:
        return [exe, "plan", "check", str(plan), "-f", "json"]
    code = "import sys; from mlm_audit.cli.main import run; sys.argv[0] = 'mlm-audit'; run()"
    return [sys.executable, "-c", code, "plan", "check", str(plan), "-f", "json"]


def bench_check(plan: str, runs: int) -> dict[str, object]:
    cmd = check_command(PLANS / f"{plan}.yaml")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode
    subprocess.run(cmd, env=env, capture_output=True, cwd=ROOT)  # warm the bytecode cache
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(proc.stderr.decode())
    return {"plan": plan, "runs": runs, "wall_median": statistics.median(walls),
            "wall_min": min(walls), "cpu_median": statistics.median(cpus),
            "load": os.getloadavg()[0]}


def section(sims: list[dict[str, object]], checks: list[dict[str, object]], market: int,
            months: int) -> str:
    lines = [
        "## Plan",
        "",
        f"`python benchmarks/bench_plan.py` on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}.",
        "",
        f"`plan simulate` at {market:,} people × {months} months (default model parameters, "
        "seed 1), target ≤ 30 s:",
        "",
        "| plan | wall s | cpu s | participants | depth | net-loss share | saturated at |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sims:
        lines.append(f"| {s['plan']} | {s['wall']:.1f} | {s['cpu']:.1f} | "
                     f"{s['participants']:,} | {s['depth']} | {s['loss_share']:.1%} | "
                     f"{s['saturation'] or '—'} |")
    lines += ["", "`plan check` as a fresh process, start-up included (target ≤ 1 s):", "",
              "| plan | runs | wall median s | wall min s | cpu median s | load avg |",
              "|---|---:|---:|---:|---:|---:|"]
    for c in checks:
        lines.append(f"| {c['plan']} | {c['runs']} | {c['wall_median']:.2f} | "
                     f"{c['wall_min']:.2f} | {c['cpu_median']:.2f} | {c['load']:.1f} |")
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    old = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Plan\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _: text + "\n", old) if pattern.search(old) else \
        old.rstrip("\n") + "\n\n" + text
    README.write_text(new, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--market-size", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = ap.parse_args()
    sims = [bench_simulate(p, args.market_size, args.months, 1)
            for p in ("cps-shop", "headcount-pyramid", "wechat-agency-stocking")]
    checks = [bench_check(p, args.runs) for p in ("cps-shop", "headcount-pyramid")]
    text = section(sims, checks, args.market_size, args.months)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
