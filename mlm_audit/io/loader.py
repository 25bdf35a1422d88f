"""Load agents, orders and payouts onto the canonical tables, accounting for every row.

rows read = rows loaded + rows rejected. A row is rejected only when a required value is
missing or unusable (an id, an amount); a bad optional value (a date, a fee, a kind) is
reported and left empty or defaulted, so the agent or order still counts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from mlm_audit.io import coerce
from mlm_audit.io.aliases import KIND_ALIASES, norm_kind
from mlm_audit.io.few import money_few
from mlm_audit.io.mapping import MappingFile, TableMapping, load_mapping, resolve, with_maps
from mlm_audit.io.readers import FORMATS, read_raw
from mlm_audit.itemize import itemize
from mlm_audit.model import DataIssue, InputError, InputInfo, IssueLevel
from mlm_audit.schema import DEFAULTS, REQUIRED_VALUES, ROW, SCHEMAS, Dataset, conform, empty

TABLES = ("agents", "orders", "payouts")


def find_tables(directory: Path) -> dict[str, Path]:
    """``agents.*``, ``orders.*``, ``payouts.*`` in a directory (one file each)."""
    if not directory.exists():
        raise InputError(f"{directory}: no such file or directory")
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    found: dict[str, Path] = {}
    for table in TABLES:
        hits = sorted(p for p in directory.iterdir()
                      if p.stem.lower() == table and p.suffix.lower() in FORMATS)
        if len(hits) > 1:
            names = ", ".join(p.name for p in hits)
            raise InputError(f"{directory}: several {table} files ({names}); name one with "
                             f"--{table}")
        if hits:
            found[table] = hits[0]
    if "agents" not in found:
        other = sorted(p.name for p in directory.iterdir() if p.stem.lower() == "agents")
        hint = f" ({', '.join(other)} is not a supported format)" if other else ""
        raise InputError(f"{directory}: no agents file (agents.csv, agents.xlsx, agents.parquet, "
                         f"...){hint}; name it with --agents")
    return found


def load_dataset(
    path: Path | None = None,
    agents: Path | None = None,
    orders: Path | None = None,
    payouts: Path | None = None,
    mapping: Path | None = None,
    maps: tuple[str, ...] | list[str] = (),
) -> Dataset:
    """Load the tables from a directory and/or explicit files. ``maps`` are ``--map`` options
    (``[table.]column=Header``) layered over the mapping file."""
    files = input_files(path, agents, orders, payouts)
    m = with_maps(load_mapping(mapping), maps)
    ds = Dataset(agents=empty("agents"))
    for table in TABLES:
        if table not in files:
            continue
        df, info, issues = load_table(table, files[table], m)
        setattr(ds, table, df)
        ds.inputs.append(info)
        ds.issues.extend(issues)
    ds.has_orders = "orders" in files
    ds.has_payouts = "payouts" in files
    return ds


def input_files(path: Path | None, agents: Path | None = None, orders: Path | None = None,
                payouts: Path | None = None) -> dict[str, Path]:
    """The file of each table: found in a directory, or named explicitly (which wins)."""
    files: dict[str, Path] = {}
    if path is not None:
        if path.is_file():
            files["agents"] = path
        else:
            files.update(find_tables(path))
    for table, p in (("agents", agents), ("orders", orders), ("payouts", payouts)):
        if p is not None:
            files[table] = p
    if "agents" not in files:
        raise InputError("no agents file given: pass a directory or --agents FILE")
    return files


def load_table(table: str, path: Path, m: MappingFile | None = None
               ) -> tuple[pl.DataFrame, InputInfo, list[DataIssue]]:
    raw = read_raw(path, table)
    tm: TableMapping = getattr(m or MappingFile(), table)
    headers = [c for c in raw.df.columns if c != ROW]
    res = resolve(table, headers, tm, raw.path)
    df = raw.df.select([pl.col(h).alias(c) for c, h in res.columns.items()] + [pl.col(ROW)])
    issues: list[DataIssue] = []
    out, rejected = coerce_frame(table, df, tm, raw.path, Sink(issues))
    info = InputInfo(table, raw.path, raw.sha256, raw.encoding, raw.format, raw.df.height,
                     out.height, rejected)
    issues.extend(file_issues(table, raw.path, res.ignored, raw.blank_rows))
    return out, info, issues


def file_issues(table: str, file: str, ignored: list[str], blank_rows: int) -> list[DataIssue]:
    """The issues about the file as a whole, after the row issues: unused columns, blank rows."""
    out = []
    if ignored:
        out.append(DataIssue("unmapped_column", IssueLevel.info,
                             f"columns not used: {', '.join(ignored)}", file, table=table))
    if blank_rows:
        out.append(DataIssue("blank_rows", IssueLevel.info,
                             f"{blank_rows} rows with no value at all skipped (not counted as "
                             "read)", file, table=table, count=blank_rows))
    return out


Msg = Callable[[dict[str, Any]], str]


class Sink:
    """Where coercion reports problems. This one itemizes each report at once (one frame is
    the whole file); :mod:`mlm_audit.io.stream` merges the reports of many batches first.
    ``order`` places a report among the others of a table (reports come in that order)."""

    def __init__(self, issues: list[DataIssue]) -> None:
        self.issues = issues

    def rows(self, order: int, rows: pl.DataFrame, code: str, level: IssueLevel, file: str,
             table: str, col: str, msg: Msg) -> None:
        itemize(self.issues, rows, code, level, table, file, col, msg)

    def kinds(self, counts: dict[str, int], first_row: int, file: str, table: str) -> None:
        self.issues.append(unknown_kind_issue(counts, first_row, file, table))


def unknown_kind_issue(counts: dict[str, int], first_row: int, file: str,
                       table: str) -> DataIssue:
    """One issue for all rows whose kind has no mapping: the ten commonest spellings."""
    total = sum(counts.values())
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    listed = ", ".join(f"{v} ({n} rows)" for v, n in top)
    fallback = DEFAULTS[table]["kind"]
    return DataIssue(
        "unknown_kind", IssueLevel.warning,
        f"{total} rows have a kind with no mapping ({listed}); treated as {fallback!r}. Map "
        "them with 'kinds:' in a mapping file", file, first_row, "kind", table, count=total)


def _report_rows(sink: Sink, order: int, rows: pl.DataFrame, code: str, level: IssueLevel,
                 file: str, table: str, col: str, what: str) -> None:
    sink.rows(order, rows, code, level, file, table, col,
              lambda r: what.format(value=r.get("_raw"), why=r.get("_why")))


def coerce_frame(table: str, df: pl.DataFrame, tm: TableMapping, file: str,
                 sink: Sink) -> tuple[pl.DataFrame, int]:
    """Canonical columns (named canonically, plus ``_row``) -> canonical types; rows missing
    a required value removed. Problems go to ``sink``; returns the frame and rows rejected."""
    schema = SCHEMAS[table]
    required = set(REQUIRED_VALUES[table])
    minor = tm.money_unit == "minor"
    exprs: list[pl.Expr | pl.Series] = []
    flags: list[pl.Series] = []
    money_cols: list[str] = []
    date_cols: list[str] = []
    kinds_seen: pl.Series | None = None
    text_money: list[str] = []
    for col in df.columns:
        if col == ROW:
            continue
        dtype = schema[col]
        if dtype == pl.Int64() and df.schema[col] == pl.String:
            got = money_few(df[col], minor)  # a column of few spellings: each parsed once
            if got is None:
                clean = coerce.money_clean_series(df[col], minor)  # compiled, if built
                exprs.append(coerce.money_clean(col, minor) if clean is None else clean)
                text_money.append(col)  # finished below
            else:
                flags.extend([got[0], got[1].alias(f"_bad_{col}")])
            money_cols.append(col)
        elif dtype == pl.Int64():
            val, invalid = coerce.money(df, col, minor)
            flags.extend([val, invalid.alias(f"_bad_{col}")])
            money_cols.append(col)
        elif dtype == coerce.TS:
            date_cols.append(col)
        elif col == "kind" and table in KIND_ALIASES and (
                kinds_seen := _trimmed(df[col])) is not None:
            pass  # no spelling to trim: _kinds maps the distinct spellings as they are
        else:
            exprs.append(coerce.as_text(col, df.schema[col],
                                        strip=not coerce.surely_trimmed(df[col])).alias(col))
    typed = df.with_columns(*exprs, *flags)  # one select: polars works the columns in parallel
    for col in text_money:
        val, invalid = coerce.money_rest(df, col, minor, typed[col])
        typed = typed.with_columns(val, invalid.alias(f"_bad_{col}"))
    for col in date_cols:
        parsed, bad_dates = coerce.dates(df, col)
        typed = typed.with_columns(parsed, bad_dates.alias(f"_bad_{col}"))

    reject = pl.lit(False)
    rejecting = False
    for order, col in enumerate(REQUIRED_VALUES[table]):
        if col not in typed.columns or typed[col].null_count() == 0:
            continue  # nothing to report or reject (the common case: skip the row filters)
        rejecting = True
        bad = pl.col(f"_bad_{col}") if f"_bad_{col}" in typed.columns else pl.lit(False)
        missing = typed.filter(pl.col(col).is_null() & ~bad)
        _report_rows(sink, order, missing, "missing_value", IssueLevel.error, file, table, col,
                f"required {col} is empty; row rejected")
        reject = reject | pl.col(col).is_null()
    for order, col in enumerate(money_cols + date_cols, start=len(REQUIRED_VALUES[table])):
        if not typed[f"_bad_{col}"].any():
            continue
        rows = typed.filter(pl.col(f"_bad_{col}"))
        rows = rows.join(df.select(ROW, coerce.as_text(col, df.schema[col]).alias("_raw")),
                         on=ROW, how="left")
        if col in money_cols:
            rows = rows.join(df.select(ROW, coerce.money_reason(col, df.schema[col], minor)
                                       .alias("_why")), on=ROW, how="left")
        if col in required:
            _report_rows(sink, order, rows, "bad_value", IssueLevel.error, file, table, col,
                    f"{col} {{value!r}} {{why}}; row rejected")
        elif col in date_cols:
            _report_rows(sink, order, rows, "bad_date", IssueLevel.warning, file, table, col,
                    f"{col} {{value!r}} is not a date like 2024-03-01, 2024/3/1, 2024年3月1日 "
                    "or an Excel serial; left empty")
        else:
            _report_rows(sink, order, rows, "bad_value", IssueLevel.warning, file, table, col,
                    f"{col} {{value!r}} {{why}}; left empty")
    kept = typed.filter(~reject) if rejecting else typed
    kept = kept[[c for c in typed.columns if not c.startswith("_bad_")]]  # no copy
    if "kind" in kept.columns and table in KIND_ALIASES:
        kept = _kinds(table, kept, tm, file, sink, kinds_seen)
    defaults = {c: v for c, v in DEFAULTS[table].items() if c in kept.columns}
    kept = kept.with_columns([kept[c].fill_null(v) for c, v in defaults.items()])
    return conform(table, kept), typed.height - kept.height


def _trimmed(kind: pl.Series) -> pl.Series | None:
    """The distinct values of a text column when they are all trimmed and non-empty, else
    None (kinds are few: the test reads the distinct values, not the rows)."""
    if kind.dtype != pl.String:
        return None
    seen = kind.unique().drop_nulls()
    return seen if seen.equals(coerce.as_text_series(seen), check_names=False) else None


def _kinds(table: str, df: pl.DataFrame, tm: TableMapping, file: str,
           sink: Sink, spellings: pl.Series | None = None) -> pl.DataFrame:
    """Kinds mapped to their canonical names. ``spellings``: the distinct values of the
    column before rows were rejected, if known (a superset of those left: the same map)."""
    aliases = {**KIND_ALIASES[table], **{norm_kind(k): v for k, v in tm.kinds.items()}}
    # kinds are few: normalize the distinct spellings once, then map the column in one pass
    given = spellings if spellings is not None else df["kind"].unique().drop_nulls()
    seen = given.sort().to_list()
    canon = [aliases.get(norm_kind(v)) for v in seen]
    fallback = DEFAULTS[table]["kind"]
    if canon == seen:  # already canonical (a clean export): nothing to map or report
        return df.with_columns(df["kind"].fill_null(fallback))
    # each row's code among the distinct spellings (an enum cast), then one gather
    if seen:
        codes = df["kind"].cast(pl.Enum(seen)).to_physical()
        mapped = pl.Series("_kind", canon, dtype=pl.String).gather(codes)
    else:
        mapped = pl.repeat(None, df.height, dtype=pl.String, eager=True).alias("_kind")
    df = df.with_columns(mapped)
    unknown = df.filter(pl.col("kind").is_not_null() & pl.col("_kind").is_null())
    if unknown.height:
        counts = dict(unknown["kind"].value_counts().iter_rows())
        sink.kinds(counts, int(unknown[ROW][0]), file, table)
    return df.with_columns(pl.col("_kind").fill_null(fallback).alias("kind")).drop("_kind")
