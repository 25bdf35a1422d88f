"""Row accounting and load issues of Spark inputs, as the local loader reports them.

The Spark jobs (:mod:`.spark`) count the flags of :func:`.spark_derive.loaded` and sample
the first offending rows; :func:`load_issues` turns those into the issues
:func:`mlm_audit.io.loader.coerce_frame` gives on the same file (same codes, levels,
columns, wording and order: missing values, invalid values, unknown kinds, then the file's
own issues), itemized like :func:`mlm_audit.itemize.itemize`. Rows are named by ``_row``
when the input has one (a Parquet file) and by their id otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from mlm_audit.io.coerce import MINOR_HELP, MONEY_HELP
from mlm_audit.io.loader import file_issues, unknown_kind_issue
from mlm_audit.itemize import itemize
from mlm_audit.model import DataIssue, IssueLevel
from mlm_audit.scan.facts import Sample
from mlm_audit.schema import REQUIRED_VALUES, ROW, SCHEMAS

LoadKey = tuple[str, str]  # (code, column)
KEY = {"orders": "order_id", "payouts": "payout_id"}
SUB_CENT = re.compile(r"\.\d{2}0*[1-9]")


def load_flags(table: str) -> dict[LoadKey, str]:
    """Each load issue of ``table``, in the local loader's order, and its flag column."""
    out = {("missing_value", c): f"_miss_{c}" for c in REQUIRED_VALUES[table]}
    out.update({("bad_value", c): f"_bad_{c}" for c, t in SCHEMAS[table].items()
                if t.is_integer()})
    return out


@dataclass
class Load:
    """What the jobs learned about reading one table."""

    read: int = 0  # rows read (blank rows not counted)
    rejected: int = 0
    blank: int = 0
    samples: dict[LoadKey, Sample] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)  # unknown kind spelling -> rows
    kind_row: int | None = None  # the first row with an unknown kind

    @property
    def loaded(self) -> int:
        return self.read - self.rejected


def _why(raw: str | None, minor: bool) -> str:
    if minor:
        return f"is not {MINOR_HELP}"
    if raw is not None and SUB_CENT.search(raw):
        return "has more than 2 decimals; amounts are exact and never rounded"
    return f"is not {MONEY_HELP}"


def _message(table: str, code: str, col: str, minor: bool, r: dict[str, Any]) -> str:
    required = col in REQUIRED_VALUES[table]
    if code == "missing_value":
        text = f"required {col} is empty; row rejected"
    else:
        raw = r.get("_raw")
        text = f"{col} {raw!r} {_why(raw, minor)}; " + ("row rejected" if required
                                                          else "left empty")
    key = KEY[table]
    if r.get(ROW) is None and r.get(key) is not None:
        return f"{key} {r[key]}: {text}"  # no row number: name the row by its id
    return text


def load_issues(table: str, file: str, load: Load, ignored: list[str], minor: bool
                ) -> list[DataIssue]:
    """The issues the local loader gives on reading ``table`` (see the module docstring)."""
    out: list[DataIssue] = []
    for (code, col) in load_flags(table):
        sample = load.samples.get((code, col))
        if sample is None or not sample.count:
            continue
        rows = sample.rows
        if rows[ROW].null_count() == rows.height:
            rows = rows.drop(ROW)  # nothing to name in the counting issue
        level = IssueLevel.error if col in REQUIRED_VALUES[table] else IssueLevel.warning

        def msg(r: dict[str, Any], code: str = code, col: str = col) -> str:
            return _message(table, code, col, minor, r)

        itemize(out, rows, code, level, table, file, col, msg, total=sample.count)
    if load.kinds:
        issue = unknown_kind_issue(load.kinds, load.kind_row or 0, file, table)
        out.append(replace(issue, row=load.kind_row))
    return out + file_issues(table, file, ignored, load.blank)


def kinds_of(got: pl.DataFrame, load: Load) -> None:
    """The unknown kind counts (rows ``kind``, ``n``, ``_row``: first row) into ``load``."""
    if not got.height:
        return
    load.kinds = {str(k): int(n) for k, n in zip(got["kind"], got["n"], strict=True)}
    rows = got[ROW].drop_nulls()
    load.kind_row = int(rows.min()) if rows.len() else None  # type: ignore[arg-type]
