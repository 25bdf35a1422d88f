"""The contract between scan engines and everything after them (docs/scans.md).

An engine turns orders and payouts into :class:`Facts`: three fact tables keyed by agent and
month, issue samples with exact counts, and the top cross-line payouts. Checks read facts and
the tree, never order or payout rows, so the same checks run whatever engine did the scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

OTHER_KIND = 6  # a kind outside the canonical list
NULL_KIND = 7  # no kind given
NO_SOURCE = -1  # src_kind / src_ext of a payout without a source order
SAMPLE_ROWS = 220  # offending rows kept per issue (itemize lists 200 and names 20 more)

BUYS: dict[str, pl.DataType] = {
    "idx": pl.Int32(), "mk": pl.Int32(), "kind": pl.Int8(), "ext": pl.Boolean(),
    "jd": pl.Int16(), "net": pl.Int64(), "n": pl.Int64(),
}
SELLS: dict[str, pl.DataType] = {
    "idx": pl.Int32(), "mk": pl.Int32(), "kind": pl.Int8(), "ext": pl.Boolean(),
    "net": pl.Int64(), "n": pl.Int64(),
}
PAYS: dict[str, pl.DataType] = {
    "idx": pl.Int32(), "mk": pl.Int32(), "kind": pl.Int8(), "gen": pl.Int32(),
    "src_kind": pl.Int8(), "src_ext": pl.Int8(), "sjd": pl.Int16(), "dsrc": pl.Boolean(),
    "cross": pl.Boolean(), "amount": pl.Int64(), "n": pl.Int64(),
}
FACT_SCHEMAS = {"buys": BUYS, "sells": SELLS, "pays": PAYS}
VALUE_COLS = {"buys": ("net", "n"), "sells": ("net", "n"), "pays": ("amount", "n")}
CROSS_TOP: dict[str, pl.DataType] = {
    "payout_id": pl.String(), "_row": pl.Int64(), "recipient_idx": pl.Int32(),
    "source_idx": pl.Int32(), "recipient_id": pl.String(), "source_agent_id": pl.String(),
    "amount": pl.Int64(), "kind": pl.String(),
}

SampleKey = tuple[str, str, str]


def keys(table: str) -> list[str]:
    return [c for c in FACT_SCHEMAS[table] if c not in VALUE_COLS[table]]


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=FACT_SCHEMAS[table])


@dataclass(frozen=True)
class ScanPlan:
    """What the rules ask of the scans: the widest entry window, in days, and how many
    cross-line payouts to keep for itemized findings."""

    max_days: int = 0
    cross_top: int = 100


@dataclass
class Sample:
    """An issue's exact count and its first offending rows (by ``_row``)."""

    count: int
    rows: pl.DataFrame


@dataclass
class Facts:
    buys: pl.DataFrame = field(default_factory=lambda: empty("buys"))
    sells: pl.DataFrame = field(default_factory=lambda: empty("sells"))
    pays: pl.DataFrame = field(default_factory=lambda: empty("pays"))
    orders: int = 0  # orders kept
    payouts: int = 0  # payouts kept
    samples: dict[SampleKey, Sample] = field(default_factory=dict)
    cross_top: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CROSS_TOP))
    plan: ScanPlan = field(default_factory=ScanPlan)

    def sample(self, table: str, code: str, column: str) -> Sample | None:
        return self.samples.get((table, code, column))


def normalize(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """A fact table in canonical form: contract columns and types, re-grouped on its keys
    (so partial results from batches or partitions merge), sorted by every key."""
    k = keys(table)
    vals = VALUE_COLS[table]
    schema = FACT_SCHEMAS[table]
    out = (df.select([pl.col(c).cast(schema[c]) for c in schema])
           .group_by(k).agg([pl.col(v).sum() for v in vals]).sort(k))
    return out.select([pl.col(c).cast(schema[c]) for c in schema])
