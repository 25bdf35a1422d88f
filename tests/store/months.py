"""Small generated monthly exports for the store, waiver and baseline tests."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl


def org(root: str, persons: int, depth: int, seed: int, fee: int = 9900) -> list[dict]:
    """One organization: ``persons`` agents over exactly ``depth`` levels, all paying."""
    rng = random.Random(seed)
    rows = [{"agent_id": root, "sponsor_id": "", "fees_paid": fee}]
    levels: list[list[str]] = [[root]]
    for n in range(1, persons):
        lv = n if n < depth else rng.randrange(1, depth)  # fill every level first
        while len(levels) <= lv:
            levels.append([])
        aid = f"{root}-{n:04d}"
        rows.append({"agent_id": aid, "sponsor_id": rng.choice(levels[lv - 1]),
                     "fees_paid": fee})
        levels[lv].append(aid)
    return rows


# Month 1: A trips depth and size-and-depth; B trips depth only; C is shallow (benign).
# Month 2: A unchanged; B restructured to 3 levels (resolved); C grew to 4 levels (new).
MONTHS = {
    "2024-01": [("A", 40, 5, 1), ("B", 10, 5, 2), ("C", 40, 2, 3)],
    "2024-02": [("A", 40, 5, 1), ("B", 10, 3, 2), ("C", 45, 4, 3)],
}


def agents_frame(month: str) -> pl.DataFrame:
    rows = [r for spec in MONTHS[month] for r in org(*spec)]
    return pl.DataFrame(rows, schema={"agent_id": pl.String, "sponsor_id": pl.String,
                                      "fees_paid": pl.Int64})


def payouts_frame(agents: pl.DataFrame) -> pl.DataFrame:
    ids = agents["agent_id"].to_list()
    return pl.DataFrame({"payout_id": [f"P{i:05d}" for i in range(len(ids))],
                         "recipient_id": ids, "amount": [1000 + i for i in range(len(ids))],
                         "kind": ["override"] * len(ids)})


def write_month(directory: Path, month: str, shuffle_seed: int | None = None,
                fmt: str = "csv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    agents = agents_frame(month)
    payouts = payouts_frame(agents)
    if shuffle_seed is not None:
        agents = agents.sample(fraction=1.0, shuffle=True, seed=shuffle_seed)
        payouts = payouts.sample(fraction=1.0, shuffle=True, seed=shuffle_seed + 1)
    for name, df in (("agents", agents), ("payouts", payouts)):
        if fmt == "csv":
            df.write_csv(directory / f"{name}.csv")
        else:
            df.write_parquet(directory / f"{name}.parquet")
    return directory
