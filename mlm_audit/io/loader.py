"""Load agents, orders and payouts onto the canonical tables, accounting for every row.

rows read = rows loaded + rows rejected. A row is rejected only when a required value is
missing or unusable (an id, an amount); a bad optional value (a date, a fee, a kind) is
reported and left empty or defaulted, so the agent or order still counts.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.compute as pc

from mlm_audit.io import coerce
from mlm_audit.io.aliases import KIND_ALIASES
from mlm_audit.io.mapping import MappingFile, TableMapping, load_mapping, resolve
from mlm_audit.io.readers import FORMATS, read_raw
from mlm_audit.model import DataIssue, InputError, InputInfo, IssueLevel
from mlm_audit.schema import DEFAULTS, REQUIRED_VALUES, ROW, SCHEMAS, Dataset, conform, empty

TABLES = ("agents", "orders", "payouts")
ID_COLS = {"agent_id", "sponsor_id", "placement_id", "order_id", "buyer_id", "seller_id",
           "payout_id", "recipient_id", "source_agent_id", "source_order_id", "name", "rank"}
ITEMIZE = 200


def find_tables(directory: Path) -> dict[str, Path]:
    """``agents.*``, ``orders.*``, ``payouts.*`` in a directory (one file each)."""
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    found: dict[str, Path] = {}
    for table in TABLES:
        hits = sorted(p for p in directory.iterdir()
                      if p.stem.lower() == table and p.suffix.lower() in FORMATS)
        if len(hits) > 1:
            raise InputError(f"{directory}: several {table} files ({', '.join(p.name for p in hits)}"
                             f"); name one with --{table}")
        if hits:
            found[table] = hits[0]
    if "agents" not in found:
        raise InputError(f"{directory}: no agents file (agents.csv, agents.xlsx, agents.parquet, "
                         f"...); name it with --agents")
    return found


def load_dataset(
    path: Path | None = None,
    agents: Path | None = None,
    orders: Path | None = None,
    payouts: Path | None = None,
    mapping: Path | None = None,
) -> Dataset:
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
    m = load_mapping(mapping)
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


def load_table(table: str, path: Path, m: MappingFile | None = None
               ) -> tuple[pl.DataFrame, InputInfo, list[DataIssue]]:
    raw = read_raw(path)
    tm: TableMapping = getattr(m or MappingFile(), table)
    headers = [c for c in raw.df.columns if c != ROW]
    res = resolve(table, headers, tm, raw.path)
    df = raw.df.select([pl.col(h).alias(c) for c, h in res.columns.items()] + [pl.col(ROW)])
    issues: list[DataIssue] = []
    out, rejected = _coerce(table, df, tm, raw.path, issues)
    info = InputInfo(table, raw.path, raw.sha256, raw.encoding, raw.format, raw.df.height,
                     out.height, rejected)
    if res.ignored:
        issues.append(DataIssue("unmapped_column", IssueLevel.info,
                                f"columns not used: {', '.join(res.ignored)}", raw.path,
                                table=table))
    return out, info, issues


def _report(issues: list[DataIssue], rows: pl.DataFrame, code: str, level: IssueLevel,
            file: str, table: str, col: str, what: str) -> None:
    for rec in rows.head(ITEMIZE).iter_rows(named=True):
        issues.append(DataIssue(code, level, what.format(value=rec.get("_raw")), file,
                                int(rec[ROW]), col, table))
    if rows.height > ITEMIZE:
        rest = rows.height - ITEMIZE
        issues.append(DataIssue(code, level, f"{rest} more rows with {code} in {col} not listed",
                                file, None, col, table, count=rest))


def _coerce(table: str, df: pl.DataFrame, tm: TableMapping, file: str,
            issues: list[DataIssue]) -> tuple[pl.DataFrame, int]:
    schema = SCHEMAS[table]
    required = set(REQUIRED_VALUES[table])
    exprs: list[pl.Expr] = []
    bad: dict[str, pl.Expr] = {}
    for col in df.columns:
        if col == ROW:
            continue
        dtype = schema[col]
        if col in ID_COLS or col == "kind":
            exprs.append(coerce.clean_text(col).alias(col))
        elif dtype == pl.Int64():
            val, invalid = coerce.money_series(df, col, tm.money_unit == "minor")
            exprs.append(pl.lit(val).alias(col))
            bad[col] = pl.lit(invalid)
    typed = df.with_columns(*exprs, *[b.alias(f"_bad_{c}") for c, b in bad.items()])
    for col, dtype in schema.items():
        if col in df.columns and dtype == coerce.TS:
            parsed, invalid = coerce.dates(df, col)
            typed = typed.with_columns(parsed, invalid.alias(f"_bad_{col}"))
            bad[col] = pl.lit(True)

    reject = pl.lit(False)
    for col in REQUIRED_VALUES[table]:
        missing = typed.filter(pl.col(col).is_null() & ~pl.col(f"_bad_{col}")
                               if f"_bad_{col}" in typed.columns else pl.col(col).is_null())
        _report(issues, missing, "missing_value", IssueLevel.error, file, table, col,
                f"required {col} is empty; row rejected")
        reject = reject | pl.col(col).is_null()
    for col in bad:
        flag = pl.col(f"_bad_{col}")
        rows = typed.with_columns(df[col].alias("_raw")).filter(flag)
        if col in required:
            _report(issues, rows, "bad_value", IssueLevel.error, file, table, col,
                    f"{col} {{value!r}} is not a valid amount; row rejected")
        else:
            kind = "bad_date" if schema[col] == coerce.TS else "bad_value"
            expected = ("a date like 2024-03-01, 2024/3/1, 2024年3月1日 or an Excel serial"
                        if kind == "bad_date" else "an amount like 12.50 or ¥1,200")
            _report(issues, rows, kind, IssueLevel.warning, file, table, col,
                    f"{col} {{value!r}} is not {expected}; left empty")
    if "kind" in typed.columns and table in KIND_ALIASES:
        typed = _kinds(table, typed, tm, file, issues)
    kept = typed.select([c for c in typed.columns if not c.startswith("_bad_")])
    rejected = typed.select(reject.alias("r"))["r"]
    if rejected.any():  # filtering copies every column: only when a row goes
        kept = kept.filter(~rejected)
    defaults = {c: v for c, v in DEFAULTS[table].items() if c in kept.columns}
    kept = kept.with_columns([pl.col(c).fill_null(v) for c, v in defaults.items()])
    return conform(table, kept), typed.height - kept.height


def _kinds(table: str, df: pl.DataFrame, tm: TableMapping, file: str,
           issues: list[DataIssue]) -> pl.DataFrame:
    aliases = {**KIND_ALIASES[table], **{k.lower(): v for k, v in tm.kinds.items()}}
    # map the few distinct spellings, then gather: no per-row lowercasing or dict lookup
    uniq = df["kind"].unique().drop_nulls()
    canon = pl.Series([aliases.get(k) for k in uniq.str.to_lowercase().to_list()],
                      dtype=pl.String)
    pos = pc.index_in(df["kind"].to_arrow(), value_set=uniq.to_arrow())
    mapped = canon.gather(pl.Series(pos).cast(pl.UInt32))
    fallback = DEFAULTS[table]["kind"]
    df = df.with_columns(mapped.alias("_kind"))
    unknown = df.filter(pl.col("kind").is_not_null() & pl.col("_kind").is_null())
    if unknown.height:
        values = unknown["kind"].value_counts(sort=True).head(10)
        listed = ", ".join(f"{v} ({n} rows)" for v, n in values.iter_rows())
        issues.append(DataIssue(
            "unknown_kind", IssueLevel.warning,
            f"{unknown.height} rows have a kind with no mapping ({listed}); treated as "
            f"{fallback!r}. Map them with 'kinds:' in a mapping file", file,
            int(unknown[ROW][0]), "kind", table, count=unknown.height))
    return df.with_columns(pl.col("_kind").fill_null(fallback).alias("kind")).drop("_kind")
