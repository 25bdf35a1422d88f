"""Offending rows -> located data issues, capped so a million bad rows stay readable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from mlm_audit.model import DataIssue, IssueLevel
from mlm_audit.schema import ROW

ITEMIZE = 200  # issues listed one by one per code and column; the rest are counted
ROWS_NAMED = 20  # row numbers quoted in the counting issue

Msg = Callable[[dict[str, Any]], str]


def itemize(
    out: list[DataIssue], rows: pl.DataFrame, code: str, level: IssueLevel, table: str,
    file: str | None, column: str | None, msg: Msg, total: int | None = None,
) -> None:
    """One issue per offending row up to ITEMIZE; then one issue counting the rest and
    naming the first of their rows. ``total`` counts the offending rows when ``rows`` holds
    only the first of them (a scan's sample)."""
    for rec in rows.head(ITEMIZE).iter_rows(named=True):
        row = rec.get(ROW)
        out.append(DataIssue(code, level, msg(rec), file, int(row) if row else None, column,
                             table))
    rest = (rows.height if total is None else total) - ITEMIZE
    if rest <= 0:
        return
    where = f" in {column}" if column else ""
    listed = rows[ROW].slice(ITEMIZE, ROWS_NAMED).to_list() if ROW in rows.columns else []
    named = (f" (rows {', '.join(map(str, listed))}{', …' if rest > len(listed) else ''})"
             if listed else " not listed")
    out.append(DataIssue(code, level, f"{rest} more rows with {code}{where}{named}", file,
                         None, column, table, count=rest))
