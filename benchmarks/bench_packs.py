"""What the shipped rule packs cost on top of the foundation, in one process.

Loads and preflights a dataset once (the foundation: load, preflight, network, per-agent
money, the default ``baseline`` pack), then runs the rules of every shipped data pack and
prints both times and their ratio. The check catalogue promises the packs add no more than
the foundation's end-to-end time again (ratio ≤ 1.0)::

    python benchmarks/bench_packs.py /work/bench-data/pyramid-1000000-10-csv

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from mlm_audit import engine, pipeline
from mlm_audit.packs import collect_rules, load_pack, shipped_packs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    args = ap.parse_args()

    t0 = time.perf_counter()
    baseline = pipeline.load_packs(["baseline"])
    # planned as `mlm-audit audit` plans it, so the scans cover the baseline's windows once
    prepared = pipeline.prepare(pipeline.Inputs(path=args.data),
                                plan=pipeline.scan_plan(baseline))
    pipeline.audit(prepared, baseline)
    foundation = time.perf_counter() - t0

    packs = [load_pack(n) for n in shipped_packs() if n not in ("baseline", "plan-gate")]
    rules = [r for r in collect_rules(packs) if r.pack != "baseline"]
    times: dict[str, float] = {}
    for pack in packs:
        own = [r for r in rules if r.pack == pack.name]
        t = time.perf_counter()
        findings, _ = engine.run_rules(prepared.network, own)
        times[pack.name] = time.perf_counter() - t
        print(f"  {pack.name:<20} {len(own):>3} rules {times[pack.name]:7.2f} s "
              f"{len(findings):>7} findings", flush=True)
    packs_total = sum(times.values())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"foundation (load, preflight, metrics, baseline pack): {foundation:.2f} s")
    print(f"every other shipped data pack:                        {packs_total:.2f} s")
    print(f"ratio packs / foundation: {packs_total / foundation:.2f} (target <= 1.0); "
          f"peak RSS {rss:.2f} GiB")


if __name__ == "__main__":
    main()
