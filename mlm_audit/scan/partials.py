"""Accumulators that merge per-batch results: grouped sums, issue samples, top rows."""

from __future__ import annotations

import polars as pl

from mlm_audit.scan.facts import SAMPLE_ROWS, Sample, SampleKey

COMPACT_ROWS = 4_000_000  # engineering default: partial rows held before a merge


class Groups:
    """Sums of ``value`` and row counts ``n`` per group key over many batches."""

    def __init__(self, value: str, keys: tuple[str, ...] = ("idx", "rest")) -> None:
        self.value = value
        self.keys = list(keys)
        self.parts: list[pl.DataFrame] = []
        self.pending = 0  # rows in parts not yet merged
        self.merged = 0

    def add(self, part: pl.DataFrame) -> None:
        # merging once the new rows reach half the merged ones keeps both the transient
        # memory (at most 1.5x the groups) and the total work (3 rows per new row) bounded
        if part.height == 0:
            return
        self.parts.append(part)
        self.pending += part.height
        if self.pending > max(COMPACT_ROWS, self.merged // 2):
            self._merge()

    def _merge(self) -> None:
        if len(self.parts) > 1:
            df = pl.concat(self.parts).lazy().group_by(self.keys).agg(
                pl.col(self.value).sum(), pl.col("n").sum()).collect(engine="streaming")
            self.parts = [df]
        self.merged = self.parts[0].height if self.parts else 0
        self.pending = 0

    def result(self) -> pl.DataFrame:
        """The merged groups, sorted by their keys."""
        self._merge()
        if not self.parts:
            keys = {"idx": pl.Int32, "rest": pl.UInt64, "k": pl.UInt64}
            return pl.DataFrame(schema={**{k: keys[k] for k in self.keys},
                                        self.value: pl.Int64, "n": pl.Int64})
        return self.parts[0].sort(self.keys)


class Samples:
    """Exact counts and the first offending rows per issue, batches arriving in row order."""

    def __init__(self) -> None:
        self.counts: dict[SampleKey, int] = {}
        self.rows: dict[SampleKey, list[pl.DataFrame]] = {}
        self.kept: dict[SampleKey, int] = {}

    def add(self, key: SampleKey, rows: pl.DataFrame) -> None:
        if rows.height == 0:
            return
        self.counts[key] = self.counts.get(key, 0) + rows.height
        room = SAMPLE_ROWS - self.kept.get(key, 0)
        if room > 0:
            self.rows.setdefault(key, []).append(rows.head(room))
            self.kept[key] = self.kept.get(key, 0) + min(room, rows.height)

    def result(self) -> dict[SampleKey, Sample]:
        return {k: Sample(c, pl.concat(self.rows[k], how="vertical_relaxed"))
                for k, c in sorted(self.counts.items())}


class TopRows:
    """The ``k`` cross-line payouts with the largest amounts (ties: payout id ascending)."""

    COLS = ("payout_id", "_row", "recipient_idx", "source_idx", "recipient_id",
            "source_agent_id", "amount", "kind")

    def __init__(self, k: int) -> None:
        self.k = k
        self.top: pl.DataFrame | None = None

    def add(self, rows: pl.DataFrame) -> None:
        if rows.height == 0 or self.k == 0:
            return
        rows = rows.select(self.COLS)
        both = rows if self.top is None else pl.concat([self.top, rows])
        self.top = both.sort(["amount", "payout_id"], descending=[True, False]).head(self.k)

    def result(self) -> pl.DataFrame:
        from mlm_audit.scan.facts import CROSS_TOP

        if self.top is None:
            return pl.DataFrame(schema=CROSS_TOP)
        return self.top.select([pl.col(c).cast(t) for c, t in CROSS_TOP.items()])
