"""Audit store at scale: 50 stored runs of a 100k-agent network; time history, show, diff.

    python benchmarks/bench_store.py [--agents 100000] [--runs 50] [--agent-findings 10000]

Builds one synthetic recruitment forest (sponsors always earlier agents, so every prefix is
a valid network) and audits 50 monthly snapshots of it with the baseline pack: month k holds
the first ``agents`` + k * 0.5% agents. The shipped baseline pack only reports organizations,
so each run also carries ``--agent-findings`` synthetic agent-level findings to stand in for
the agent-level checks of fuller packs (the store does not care where findings come from).
Runs are recorded exactly as ``mlm-audit audit`` records them (org metrics included). Then it
times ``history``, ``show latest`` (json and text) and ``diff latest~49 latest`` (json and
text): in-process (the command's own work), and as a fresh ``mlm-audit`` process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlm_audit import org_metrics, pipeline, store  # noqa: E402
from mlm_audit.cli.main import run_cli  # noqa: E402
from mlm_audit.model import Severity, StampedFinding, Subject, fingerprint  # noqa: E402


def forest(n: int, roots: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    # sponsor drawn from recent agents: long chains, many organizations deeper than 3
    back = rng.geometric(0.002, n)
    sponsor = np.where(idx < roots, -1, np.maximum(idx - back, 0))
    sponsor[roots:] = np.where(sponsor[roots:] < 0, 0, sponsor[roots:])
    ids = np.char.add("U", idx.astype(str))
    return pl.DataFrame({
        "agent_id": ids,
        "sponsor_id": np.where(sponsor >= 0, ids[np.maximum(sponsor, 0)], ""),
        "fees_paid": np.where(rng.random(n) < 0.6, 99, 0),
    })


def synthetic_findings(net_ids: list[str], k: int, month: int) -> list[StampedFinding]:
    # a sliding window of agents: month to month some findings resolve and some are new
    out = []
    start = month * (k // 20)
    for aid in net_ids[start:start + k]:
        subject = Subject("agent", aid)
        out.append(StampedFinding(
            rule_id="BENCH-AGENT", check="bench", severity=Severity.low,
            title={"en": "agent-level finding", "zh": "代理级发现"}, subject=subject,
            message=f"agent {aid} flagged", evidence={"agent": aid, "value": len(aid)},
            references=[], fingerprint=fingerprint("BENCH-AGENT", subject, None)))
    return out


def build(db_path: Path, work: Path, agents: int, runs: int, k: int) -> None:
    full = forest(int(agents * (1 + 0.005 * runs)) + 1, roots=max(agents // 500, 1), seed=1)
    packs = pipeline.load_packs([])
    db = store.open_store(db_path)
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for m in range(runs):
        month_dir = work / f"m{m:02d}"
        month_dir.mkdir()
        full.head(agents + int(agents * 0.005 * m)).write_parquet(month_dir / "agents.parquet")
        prepared = pipeline.prepare(pipeline.Inputs(path=month_dir))
        result = pipeline.audit(prepared, packs)
        result.findings = sorted(result.findings + synthetic_findings(
            prepared.network.ids, k, m), key=StampedFinding.sort_key)
        orgs, total = org_metrics.compute(prepared.network)
        store.record_run(db, result, command=f"mlm-audit audit {month_dir}",
                         started_at=t0 + timedelta(days=30 * m),
                         checks=pipeline.check_versions(packs), orgs=orgs,
                         organizations=total)
        print(f"  run {m + 1}/{runs}: {result.stats['agents']:,} agents, "
              f"{len(result.findings):,} findings", file=sys.stderr)
    db.close()


def timed(argv: list[str], repeat: int = 3) -> tuple[float, float, float, float]:
    """Best of ``repeat`` for one CLI command: in-process wall and CPU seconds (the command's
    own work), then a fresh ``mlm-audit`` process's wall and CPU seconds (start-up and imports
    included). CPU time is reported because a shared machine inflates wall time."""
    best = [float("inf")] * 4
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            assert run_cli(argv) == 0
        in_wall, in_cpu = time.perf_counter() - w, time.process_time() - c
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys; from mlm_audit.cli.main import run; "
                        "sys.argv[0] = 'mlm-audit'; run()", *argv],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        proc_wall = time.perf_counter() - w
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = [min(b, v) for b, v in zip(best, (in_wall, in_cpu, proc_wall, proc_cpu),
                                           strict=True)]
    return best[0], best[1], best[2], best[3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agents", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--agent-findings", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="Keep the store here; reuse it if it exists.")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_path = a.keep if a.keep is not None else work / "audit.db"
        t = time.perf_counter()
        if not db_path.exists():
            build(db_path, work, a.agents, a.runs, a.agent_findings)
        build_s = time.perf_counter() - t
        size_mb = db_path.stat().st_size / 1e6
        db = store.open_store(db_path, create=False)
        n_findings = db.execute("SELECT count(*) FROM findings").fetchone()[0]
        per_run = db.execute("SELECT findings FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
        db.close()
        s = str(db_path)
        first = f"latest~{a.runs - 1}"
        cases = [
            ("history", ["history", "--store", s]),
            ("history --format json", ["history", "--store", s, "-f", "json"]),
            ("show latest --format json", ["show", "latest", "--store", s, "-f", "json"]),
            ("show latest (text)", ["show", "latest", "--store", s]),
            (f"diff {first} latest --format json", ["diff", first, "latest", "--store", s,
                                                    "-f", "json"]),
            (f"diff {first} latest (text)", ["diff", first, "latest", "--store", s]),
        ]
        print(f"store: {a.runs} runs, {a.agents:,}+ agents each, {per_run:,} findings in the "
              f"latest run, {n_findings:,} finding rows, {size_mb:.0f} MB; built in "
              f"{build_s:.0f} s")
        print("| command | in-process wall (s) | in-process CPU (s) | fresh process wall (s) "
              "| fresh process CPU (s) |")
        print("|---|---:|---:|---:|---:|")
        for name, argv in cases:
            t = timed(argv)
            print(f"| `mlm-audit {name}` | {t[0]:.3f} | {t[1]:.3f} | {t[2]:.2f} | {t[3]:.2f} |")
        base = timed(["--version"])
        print(f"| `mlm-audit --version` (start-up and imports only) | – | – | {base[2]:.2f} "
              f"| {base[3]:.2f} |")


if __name__ == "__main__":
    main()
