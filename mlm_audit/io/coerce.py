"""Raw columns -> canonical types, vectorized, with every failure located and explained.

Money (``money_unit: major``, the default): ``¥ ￥ $ 元 RMB CNY``, spaces and thousands
separators (``1,200.50``; commas must group by three) are accepted; a leading ``-``, a
full-width ``－`` or accounting parentheses ``(35.00)`` make it negative. At most two
decimals are significant: ``12.3400`` is 12.34, ``12.345`` is an error, never rounded.
With ``money_unit: minor`` values are integer fen / cents (``1200`` = 12.00).
Typed inputs follow the same rule: an integer column is major units unless the mapping says
``minor``; a float column is read at its shortest decimal spelling (6 places at most).

Dates: ISO (``2024-03-01 12:00:00``, ``T``, fractional seconds; a ``Z`` or ``+08:00``
offset is dropped and the wall-clock time kept), ``2024/3/1``, ``2024.3.1``, ``20240301``,
``2024年3月1日``, and Excel serial day numbers. The forms present are found on a sample,
then every form is retried on the values they missed, so mixed columns parse fully.
Day-first and month-first forms (``3/1/2024``) are ambiguous and not guessed.
"""

from __future__ import annotations

import polars as pl

from mlm_audit.schema import MINOR_UNITS, TS

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d", "%Y%m%d",
)
SAMPLE = 2000
EXCEL_EPOCH = pl.datetime(1899, 12, 30)
EXCEL_MAX = 2958465  # 9999-12-31
MAX_WHOLE_DIGITS = 16  # keeps value * 100 inside Int64

MONEY_JUNK = r"(?i)[¥￥$元\s]|rmb|cny"
MONEY_RE = rf"^([+-]?)(\d{{1,3}}(?:,\d{{3}})+|\d{{1,{MAX_WHOLE_DIGITS}}})?(?:\.(\d{{0,2}})0*)?$"
MINOR_RE = r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d{1,18})(?:\.0*)?$"
MONEY_HELP = "an amount like 1200.50, ¥1,200.50 or -35 with at most 2 decimals"
MINOR_HELP = "a whole number of fen/cents (money_unit: minor)"


def as_text(col: str, dtype: pl.DataType) -> pl.Expr:
    """Any raw column as trimmed text, empty -> null. Integer-valued floats lose ``.0`` so an
    id read as 10001.0 stays ``10001``."""
    c = pl.col(col)
    if dtype == pl.String:
        s = c.str.strip_chars()
    elif dtype.is_float():
        whole = c.is_finite() & (c == c.round(0)) & (c.abs() < 2**53)
        s = pl.when(whole).then(c.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(
            c.round(6).cast(pl.String))
    elif dtype == pl.Datetime or dtype == pl.Date:
        s = c.dt.strftime("%Y-%m-%d %H:%M:%S")
    else:
        s = c.cast(pl.String)
    return pl.when(s == "").then(None).otherwise(s)


def money(col: str, dtype: pl.DataType, minor: bool) -> tuple[pl.Expr, pl.Expr]:
    """Expression for the value in minor units, and one that is True where a present value
    is invalid."""
    c = pl.col(col)
    if dtype.is_integer():
        val = c.cast(pl.Int64) * (1 if minor else MINOR_UNITS)
        return val, pl.lit(False)
    s = as_text(col, dtype)
    s = s.str.replace_all(MONEY_JUNK, "").str.replace_all("－", "-")
    paren = s.str.contains(r"^\(.*\)$")
    s = pl.when(paren).then(pl.lit("-") + s.str.strip_chars("()")).otherwise(s)
    present = s.is_not_null() & (s != "")
    if minor:
        g = s.str.extract_groups(MINOR_RE)
        whole = g.struct.field("2").str.replace_all(",", "").cast(pl.Int64, strict=False)
        sign = pl.when(g.struct.field("1") == "-").then(-1).otherwise(1)
        return sign * whole, present & whole.is_null()
    g = s.str.extract_groups(MONEY_RE)
    whole_txt = g.struct.field("2")
    frac_txt = g.struct.field("3")
    ok = present & (whole_txt.is_not_null() | (frac_txt.fill_null("") != ""))
    sign = pl.when(g.struct.field("1") == "-").then(-1).otherwise(1)
    whole = whole_txt.str.replace_all(",", "").cast(pl.Int64, strict=False).fill_null(0)
    frac = frac_txt.fill_null("").str.pad_end(2, "0").cast(pl.Int64, strict=False).fill_null(0)
    val = pl.when(ok).then(sign * (whole * MINOR_UNITS + frac))
    return val, present & ~ok


def money_reason(col: str, dtype: pl.DataType, minor: bool) -> pl.Expr:
    """Why a money value is invalid (only read for invalid rows)."""
    s = as_text(col, dtype).str.replace_all(MONEY_JUNK, "")
    if minor:
        return pl.lit(f"is not {MINOR_HELP}")
    return (pl.when(s.str.contains(r"\.\d{2}0*[1-9]"))
            .then(pl.lit("has more than 2 decimals; amounts are exact and never rounded"))
            .otherwise(pl.lit(f"is not {MONEY_HELP}")))


def dates(df: pl.DataFrame, col: str) -> tuple[pl.Series, pl.Series]:
    """Parse a date column. Returns (parsed, invalid) where invalid marks present values
    that no known form matches."""
    raw = df[col]
    if raw.dtype == pl.Datetime:
        tz = getattr(raw.dtype, "time_zone", None)
        parsed = (raw.dt.replace_time_zone(None) if tz else raw).cast(TS)
        return parsed.alias(col), pl.Series(col, [False] * df.height)
    if raw.dtype == pl.Date:
        return raw.cast(TS).alias(col), pl.Series(col, [False] * df.height)
    s = df.select(as_text(col, raw.dtype).alias("s"))["s"]
    s = s.str.replace(r"(?:Z|[+-]\d{2}:?\d{2})$", "")
    s = s.str.replace(r"^(\d{4}-\d{2}-\d{2}) +(\d)", "$1 $2")
    present = s.is_not_null()
    if not present.any():
        return pl.Series(col, [None] * df.height, dtype=TS), present
    sample = s.drop_nulls().head(SAMPLE)
    formats = _formats_in(sample) or list(DATE_FORMATS)
    frame = pl.DataFrame({"s": s})
    parsed = frame.select(_parse_expr(formats))["d"]
    missing = present & parsed.is_null()
    if missing.any() and len(formats) < len(DATE_FORMATS):
        rest = frame.filter(missing).select(_parse_expr(list(DATE_FORMATS)))["d"]
        parsed = parsed.scatter(missing.arg_true(), rest)
    invalid = present & parsed.is_null()
    return parsed.alias(col), invalid


def _formats_in(sample: pl.Series) -> list[str]:
    return [fmt for fmt in DATE_FORMATS
            if sample.str.strptime(TS, fmt, strict=False).is_not_null().any()]


def _parse_expr(formats: list[str]) -> pl.Expr:
    s = pl.col("s")
    serial = s.cast(pl.Float64, strict=False)
    excel = pl.when(serial.is_between(1, EXCEL_MAX) & s.str.contains(r"^\d{1,7}(\.\d+)?$")).then(
        EXCEL_EPOCH + pl.duration(microseconds=(serial * 86_400_000_000).round(0).cast(pl.Int64))
    )
    parts = [s.str.strptime(TS, f, strict=False) for f in formats]
    return pl.coalesce([*parts, excel.cast(TS)]).alias("d")
