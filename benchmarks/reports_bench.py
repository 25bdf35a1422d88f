"""Reports at scale: build a random network of N agents (default 1,000,000) directly into
``Dataset.from_frames``, audit it with the baseline pack, then time the report tables and
every renderer and print the output sizes.

    python benchmarks/reports_bench.py [N]
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

import numpy as np
import polars as pl

from mlm_audit import engine, pipeline, preflight, report_data
from mlm_audit.packs import apply_overrides, collect_rules
from mlm_audit.reports import RENDERERS
from mlm_audit.schema import Dataset

ROOTS = 20_000
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)


def network(n: int, seed: int = 7) -> Dataset:
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    # uniform attachment to an earlier agent: depth grows like log n, a few deep chains
    parent = np.where(idx < ROOTS, -1, (rng.random(n) * np.maximum(idx, 1)).astype(np.int64))
    ids = pl.Series("agent_id", idx).cast(pl.String)
    sponsor = pl.Series("sponsor_id", parent).cast(pl.String)
    sponsor = pl.when(pl.Series(parent) < 0).then(None).otherwise(sponsor)
    agents = pl.DataFrame({"agent_id": ids}).with_columns(
        sponsor_id=pl.select(sponsor).to_series(),
        name=pl.lit("<b>agent</b> =1+1"),
        fees_paid=pl.Series((rng.random(n) < 0.7) * 9_900, dtype=pl.Int64),
    )
    m = n  # one payout per agent on average, to uplines
    recipients = parent[rng.integers(ROOTS, n, m)]
    payouts = pl.DataFrame({
        "payout_id": pl.Series(np.arange(m)).cast(pl.String),
        "recipient_id": pl.Series(np.where(recipients < 0, 0, recipients)).cast(pl.String),
        "amount": pl.Series(rng.integers(100, 50_000, m), dtype=pl.Int64),
    }).with_columns(kind=pl.lit("recruitment_bonus"))
    return Dataset.from_frames(agents, payouts=payouts)


def main(n: int) -> None:
    t = time.perf_counter()
    ds = network(n)
    net, issues = preflight.run(ds)
    packs = pipeline.load_packs(["baseline"])
    rules = apply_overrides(collect_rules(packs), [])
    result = engine.run_audit(net, packs, rules, issues, ds.inputs)
    print(f"network + audit: {time.perf_counter() - t:.1f} s, {len(result.findings):,} findings")
    t = time.perf_counter()
    report_data.attach(result, net, rules)
    print(f"report tables (library, once): {time.perf_counter() - t:.2f} s")
    for fmt, render in RENDERERS.items():
        t = time.perf_counter()
        out = render(result, lang="zh" if fmt in ("html", "md") else "en", now=NOW)
        size = len(out.encode("utf-8"))
        print(f"{fmt:<11} {time.perf_counter() - t:6.2f} s  {size / 1e6:8.2f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
