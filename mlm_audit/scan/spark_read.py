"""Inputs of the ``spark`` engine: Parquet paths or Spark tables onto the canonical columns.

Headers map to canonical names exactly as for local files (built-in aliases, mapping file,
``--map``). Values are converted in Spark:

- ids and text: strings, trimmed, empty -> null (integral floats lose ``.0``);
- money: as the local loader reads typed columns (:mod:`.spark_money`): exact, a value
  below the minor unit invalid (``_bad_<col>`` set, the value null, its text in
  ``_raw_<col>``); a string column is an error (cast it in Spark first);
- dates: timestamp or date columns (read as UTC wall-clock time); anything else is an error;
- kinds: spellings mapped like the loader's; an unknown spelling is kept in ``_kraw`` and
  the default kind used, an empty one gives the default.

Orders and payouts stay Spark DataFrames with ``_row``, the row number in the file for a
single Parquet file (null for directories and tables, which have no row order) and
``_blank``, a row with no value at all. The agents come back to the process as raw typed
columns and are coerced there by the local loader (the tree is built in-process).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from mlm_audit.io.aliases import KIND_ALIASES, norm_kind
from mlm_audit.io.loader import Sink, coerce_frame, file_issues
from mlm_audit.io.mapping import MappingFile, TableMapping, resolve
from mlm_audit.model import DataIssue, InputError, InputInfo
from mlm_audit.scan.spark_money import money
from mlm_audit.scan.spark_session import collect
from mlm_audit.schema import DEFAULTS, ROW, SCHEMAS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

Source = str | Path


@dataclass
class SparkData:
    """What :func:`read_spark_inputs` found: agents in-process, orders and payouts in Spark."""

    agents: pl.DataFrame
    orders: DataFrame | None = None
    payouts: DataFrame | None = None
    names: dict[str, str | None] = field(default_factory=dict)
    inputs: list[InputInfo] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    ignored: dict[str, list[str]] = field(default_factory=dict)  # headers not used, per table


def is_path(source: Source) -> bool:
    s = str(source)
    return isinstance(source, Path) or "/" in s or "\\" in s or s.lower().endswith(".parquet")


def open_source(spark: SparkSession, table: str, source: Source) -> DataFrame:
    """A Parquet path or a table name as a DataFrame; what cannot be read is an InputError
    naming it (never a Java stack trace)."""
    try:
        if is_path(source):
            return spark.read.parquet(str(source))
        return spark.table(str(source))
    except Exception as e:  # AnalysisException, Py4JJavaError, IllegalArgumentException
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        what = "Parquet path" if is_path(source) else "Spark table"
        raise InputError(f"{source}: cannot read the {table} {what}: {first}") from None


def read_spark_inputs(spark: SparkSession, orders: Source | None, payouts: Source | None,
                      agents: Source, mapping: MappingFile | None = None) -> SparkData:
    m = mapping or MappingFile()
    out = SparkData(pl.DataFrame())
    for table, source in (("orders", orders), ("payouts", payouts)):
        if source is not None:
            sdf, ignored = canonical(spark, table, source, getattr(m, table))
            setattr(out, table, sdf)
            out.ignored[table] = ignored
        out.names[table] = None if source is None else str(source)
    out.names["agents"] = str(agents)
    raw, ignored = canonical(spark, "agents", agents, m.agents, strict=False)
    df = collect(raw).with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    issues: list[DataIssue] = []
    out.agents, rejected = coerce_frame("agents", df, m.agents, str(agents), Sink(issues))
    out.issues[:0] = issues + file_issues("agents", str(agents), ignored, 0)
    out.inputs.append(InputInfo("agents", str(agents), sha256(agents), "binary",
                                input_format(agents), df.height,
                                out.agents.height, rejected))
    return out


def input_format(source: Source) -> str:
    return "parquet" if is_path(source) else "spark-table"


def canonical(spark: SparkSession, table: str, source: Source, tm: TableMapping,
              strict: bool = True) -> tuple[DataFrame, list[str]]:
    """The source with canonical column names and types (``strict``: missing optional columns
    added, defaults filled, with ``_row``, ``_blank`` and the flags of invalid values; else
    only the mapped columns, money as typed, for :func:`coerce_frame`). Returns the frame
    and the headers left unused."""
    from pyspark.sql import functions as F

    df = open_source(spark, table, source)
    res = resolve(table, list(df.columns), tm, str(source))
    types = dict(df.dtypes)
    cols: list[Column] = []
    flags: list[Column] = []
    for canon, dtype in SCHEMAS[table].items():
        header = res.columns.get(canon)
        if header is None:
            if strict:
                default = DEFAULTS[table].get(canon)
                cols.append(F.lit(default).cast(_spark_type(dtype)).alias(canon))
            continue
        where = f"{source}: {table}.{canon} (column {header!r}, {types[header]})"
        c = F.col(f"`{header}`")
        if dtype == pl.Int64():
            value, bad, raw = money(c, types[header], tm.money_unit == "minor", where)
            if not strict:
                value = c
            flags += [bad.alias(f"_bad_{canon}"), raw.alias(f"_raw_{canon}")]
        elif isinstance(dtype, pl.Datetime):
            value = _timestamp(c, types[header], where)
        else:
            value = _text(c, types[header])
        if canon == "kind" and strict:
            value, unknown = _kind(value, table, tm)
            flags.append(unknown.alias("_kraw"))
        elif strict and canon in DEFAULTS[table]:
            value = F.coalesce(value, F.lit(DEFAULTS[table][canon]))
        cols.append(value.alias(canon))
    if not strict:
        return df.select(cols), res.ignored
    single = is_path(source) and Path(source).is_file()
    row = (F.col("_metadata.row_index") + 1) if single else F.lit(None)
    blank = [F.col(f"`{h}`").isNull() | ((F.col(f"`{h}`") == "") if t == "string" else F.lit(False))
             for h, t in df.dtypes]
    return df.select(*cols, row.cast("bigint").alias(ROW), *flags,
                     F.coalesce(_all(blank), F.lit(False)).alias("_blank")), res.ignored


def _all(cs: list[Column]) -> Column:
    from pyspark.sql import functions as F

    out = F.lit(True)
    for c in cs:
        out = out & c
    return out


def _spark_type(dtype: pl.DataType) -> str:
    return "bigint" if dtype == pl.Int64() else (
        "timestamp" if isinstance(dtype, pl.Datetime) else "string")


def _text(c: Column, t: str) -> Column:
    from pyspark.sql import functions as F

    if t in ("float", "double"):
        whole = (c == F.floor(c)) & (F.abs(c) < 2**53)
        s = F.when(whole, c.cast("bigint").cast("string")).otherwise(c.cast("string"))
    else:
        s = c.cast("string")
    s = F.trim(s)
    return F.when(s == "", F.lit(None)).otherwise(s)


def sha256(source: Source) -> str:
    """The content hash of a single Parquet file (directories and tables have none)."""
    p = Path(source)
    if not is_path(source) or not p.is_file():
        return ""
    h = hashlib.sha256()
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _timestamp(c: Column, t: str, where: str) -> Column:
    if t in ("timestamp", "timestamp_ntz", "date"):
        return c.cast("timestamp")
    raise InputError(f"{where}: expected a timestamp or date column; cast it in Spark first")


def _kind(c: Column, table: str, tm: TableMapping) -> tuple[Column, Column]:
    """The canonical kind (the default for unknown and empty spellings) and the spelling of
    an unknown kind (null elsewhere)."""
    from pyspark.sql import functions as F

    aliases = {**KIND_ALIASES[table], **{norm_kind(k): v for k, v in tm.kinds.items()}}
    pairs = [F.lit(x) for k, v in sorted(aliases.items()) for x in (k, v)]
    norm = F.regexp_replace(F.lower(F.trim(c)), r"[\s\-]+", "_")
    mapped = F.try_element_at(F.create_map(*pairs), norm)
    return F.coalesce(mapped, F.lit(DEFAULTS[table]["kind"])), F.when(mapped.isNull(), c)
