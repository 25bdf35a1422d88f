"""Data issues of a table read in batches, merged to what the whole-file loader reports."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mlm_audit.io.loader import Msg, Sink, unknown_kind_issue
from mlm_audit.itemize import ITEMIZE, ROWS_NAMED, itemize
from mlm_audit.model import DataIssue, IssueLevel
from mlm_audit.schema import ROW


@dataclass
class _Rows:
    """One (code, column) report across batches: the issues listed, the rows named after
    them, and the count."""

    head: list[DataIssue] = field(default_factory=list)
    named: list[int] = field(default_factory=list)
    count: int = 0


class Merge(Sink):
    """Collects the reports of every batch; :meth:`finish` gives the issues the whole-file
    loader would give (the first ITEMIZE rows listed, one issue counting the rest)."""

    def __init__(self) -> None:
        super().__init__([])
        self.reports: dict[tuple[int, str, str], tuple[_Rows, IssueLevel, str, str]] = {}
        self.kind_counts: dict[str, int] = {}
        self.kind_first: tuple[int, str, str] | None = None

    def rows(self, order: int, rows: pl.DataFrame, code: str, level: IssueLevel, file: str,
             table: str, col: str, msg: Msg) -> None:
        acc = self.reports.setdefault((order, code, col), (_Rows(), level, file, table))[0]
        take = max(ITEMIZE - len(acc.head), 0)
        if take:
            itemize(acc.head, rows.head(take), code, level, table, file, col, msg)
        need = ROWS_NAMED - len(acc.named)
        if need > 0 and rows.height > take and ROW in rows.columns:
            acc.named.extend(rows[ROW].slice(take, need).to_list())
        acc.count += rows.height

    def kinds(self, counts: dict[str, int], first_row: int, file: str, table: str) -> None:
        for k, n in counts.items():
            self.kind_counts[k] = self.kind_counts.get(k, 0) + n
        if self.kind_first is None:
            self.kind_first = (first_row, file, table)

    def finish(self) -> list[DataIssue]:
        out: list[DataIssue] = []
        for (_, code, col), (acc, level, file, table) in sorted(self.reports.items()):
            out.extend(acc.head)
            rest = acc.count - ITEMIZE
            if rest <= 0:
                continue
            named = (f" (rows {', '.join(map(str, acc.named))}"
                     f"{', …' if rest > len(acc.named) else ''})" if acc.named else " not listed")
            out.append(DataIssue(code, level, f"{rest} more rows with {code} in {col}{named}",
                                 file, None, col, table, count=rest))
        if self.kind_first is not None:
            out.append(unknown_kind_issue(self.kind_counts, *self.kind_first))
        return out


class Quiet(Sink):
    """Drops every report (passes after the first full one)."""

    def __init__(self) -> None:
        super().__init__([])

    def rows(self, order: int, rows: pl.DataFrame, code: str, level: IssueLevel, file: str,
             table: str, col: str, msg: Msg) -> None:
        return None

    def kinds(self, counts: dict[str, int], first_row: int, file: str, table: str) -> None:
        return None
