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

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from mlm_audit import kernels
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
# Full-width forms typed by Chinese input methods read as their ASCII twins, never as zero.
FULL_WIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {
    "．": ".", "，": ",", "－": "-", "＋": "+", "（": "(", "）": ")"}
# [0-9], not \d: the regex engine's \d also matches full-width and other non-ASCII digits,
# which the integer cast cannot read (they would silently become 0)
MONEY_RE = (rf"^([+-]?)([0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]{{1,{MAX_WHOLE_DIGITS}}})?"
            rf"(?:\.([0-9]{{0,2}})0*)?$")
MINOR_RE = r"^([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,18})(?:\.0*)?$"
MONEY_HELP = "an amount like 1200.50, ¥1,200.50 or -35 with at most 2 decimals"
MINOR_HELP = "a whole number of fen/cents (money_unit: minor)"


def as_text(col: str, dtype: pl.DataType, strip: bool = True) -> pl.Expr:
    """Any raw column as trimmed text, empty -> null. Integer-valued floats lose ``.0`` so an
    id read as 10001.0 stays ``10001``. ``strip=False``: the text has no spaces to trim
    (:func:`surely_trimmed`)."""
    c = pl.col(col)
    if dtype == pl.String:
        s = c.str.strip_chars() if strip else c
    elif dtype.is_float():
        whole = c.is_finite() & (c == c.round(0)) & (c.abs() < 2**53)
        s = pl.when(whole).then(c.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(
            c.round(6).cast(pl.String))
    elif dtype == pl.Datetime or dtype == pl.Date:
        s = c.dt.strftime("%Y-%m-%d %H:%M:%S")
    else:
        s = c.cast(pl.String)
    return s.replace("", None)  # the trimmed text computed once (when/then would repeat it)


def surely_trimmed(s: pl.Series) -> bool:
    """True when no value of the text column ``s`` starts or ends with whitespace, judged
    from the first and last byte of each value in its Arrow string views, without reading or
    copying the strings (an id column is a million short strings per batch: trimming them
    all builds a new column). A byte up to the space, or any non-ASCII byte (U+3000 and
    U+00A0 are whitespace), answers False: the caller then trims, exactly as before.

    The column is judged chunk by chunk as it comes (a batch of a file holds dozens of
    chunks): the views of one chunk are read where they lie, where the views of the whole
    column would be a copy (16 bytes a row, in memory new to the process each time)."""
    if s.dtype != pl.String:
        return False
    chunks = view_chunks(s)
    if chunks is None:
        return False
    compiled = kernels.library() is not None
    for chunk, views, data, _arr in chunks:
        if views.shape[0] == 0:
            continue
        if compiled:  # the same test in one pass in C (a long value's last byte read in place)
            valid = chunk.is_not_null().to_numpy() if chunk.null_count() else None
            if kernels.untrimmed_views(views, data, valid) != -1:
                return False
            continue
        lens = views.view(np.uint32)[:, 0]
        if int(lens.max()) <= 12:  # every value inline: its last byte is in its view
            last = views.reshape(-1)[np.arange(3, 16 * views.shape[0], 16) + lens]
        else:  # some values sit in data buffers: take the last character of each, inline
            ends = _views(chunk.str.slice(-1))
            if ends is None:
                return False
            last = ends[:, 4]
        bad = _spacey(views[:, 4]) | _spacey(last)  # byte 4: the first, inline or the prefix's
        bad &= lens != 0  # empty text becomes null: nothing to trim
        if chunk.null_count():
            bad &= ~chunk.is_null().to_numpy()
        if bad.any():
            return False
    return True


def _views(s: pl.Series) -> npt.NDArray[np.uint8] | None:
    """The 16-byte views of a text column, one row each: the length (u32), then up to 12
    bytes of the value inline, or a 4-byte prefix, the buffer index and the offset of the
    value (the Arrow columnar format); None when polars does not hand out views."""
    got = view_array(s)
    return None if got is None else got[0]


class ViewChunk(NamedTuple):
    """One chunk of a text column as the compiled kernels read it."""

    chunk: pl.Series
    views: npt.NDArray[np.uint8]  # :func:`_views`
    data: list[int]  # addresses of the data buffers the views point into
    array: pa.Array  # holds those buffers while the addresses are in use


def view_chunks(s: pl.Series) -> list[ViewChunk] | None:
    """Each chunk of a text column with its Arrow views and the addresses of its data
    buffers, for the compiled kernels; None when polars does not hand out views. Keep the
    list while the addresses are in use."""
    out: list[ViewChunk] = []
    for chunk in s.get_chunks():
        got = view_array(chunk)
        if got is None:
            return None
        views, arr = got
        out.append(ViewChunk(chunk, views,
                             [b.address for b in arr.buffers()[2:] if b is not None], arr))
    return out


def view_array(s: pl.Series) -> tuple[npt.NDArray[np.uint8], pa.Array] | None:
    """:func:`_views` and the Arrow array they belong to (which holds the data buffers the
    views point into: keep it while the views are read)."""
    arr = s.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks != 1:
            return None
        arr = arr.chunk(0)
    if not pa.types.is_string_view(arr.type):
        return None
    n = len(arr)
    if n == 0:
        return np.zeros((0, 16), dtype=np.uint8), arr
    return np.frombuffer(arr.buffers()[1], dtype=np.uint8).reshape(-1, 16)[
        arr.offset: arr.offset + n], arr


def _spacey(b: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Bytes that may belong to whitespace: up to the space, or not ASCII."""
    return (b - np.uint8(0x21)) > np.uint8(0x5E)  # wraps: the bytes outside 0x21..0x7F


def as_text_series(s: pl.Series) -> pl.Series:
    """:func:`as_text` of one column."""
    return s.to_frame("s").select(as_text("s", s.dtype)).to_series().alias(s.name)


def money(df: pl.DataFrame, col: str, minor: bool) -> tuple[pl.Series, pl.Series]:
    """Values in minor units, and a mask that is True where a present value is invalid.

    Works in steps on materialized columns: one regex pass per step over the column, not a
    re-evaluation of the whole chain for every field of the match.
    """
    dtype = df.schema[col]
    if dtype.is_integer():
        limit = (2**63 - 1) // (1 if minor else MINOR_UNITS)
        raw = df[col].cast(pl.Int64, strict=False)
        fits = df[col].is_not_null() & raw.is_not_null() & raw.is_between(-limit, limit)
        val = pl.select(pl.when(fits).then(raw * (1 if minor else MINOR_UNITS))).to_series()
        return val.alias(col), (df[col].is_not_null() & ~fits).alias(col)
    if dtype == pl.String:
        return _money_fast(df, col, minor)
    if isinstance(dtype, pl.Decimal):
        return _money_decimal(df, col, dtype.scale, minor)
    return _money_text(df, col, minor)


def _money_decimal(df: pl.DataFrame, col: str, scale: int, minor: bool
                   ) -> tuple[pl.Series, pl.Series]:
    """Money from a typed decimal column, exactly: a value with more decimals than minor
    units can hold (nonzero beyond the cent) is invalid, never rounded."""
    units = scale if minor else scale - 2  # decimal digits beyond the minor unit
    raw = df[col].to_physical().cast(pl.Int64, strict=False)  # overflow: null, invalid
    if units <= 0:
        limit = (2**63 - 1) // 10**-units
        ok = raw.is_between(-limit, limit)
        val = pl.select(pl.when(ok).then(raw * 10**-units)).to_series()
    else:
        ok = (raw % 10**units) == 0
        val = pl.select(pl.when(ok).then(raw // 10**units)).to_series()
    invalid = df[col].is_not_null() & ~ok.fill_null(False)
    return val.alias(col), invalid.alias(col)


def _money_fast(df: pl.DataFrame, col: str, minor: bool) -> tuple[pl.Series, pl.Series]:
    """Money from text, fast for clean values (``12.50``, ``-12``, ``+3.00``): the value
    :func:`money_clean` reads, then :func:`money_rest` for the rows it leaves."""
    clean = money_clean_series(df[col], minor)
    if clean is None:
        clean = df.select(money_clean(col, minor))[col]
    return money_rest(df, col, minor, clean)


def money_clean(col: str, minor: bool) -> pl.Expr:
    """The value of each clean text amount, null elsewhere: an expression, so that a loader
    can evaluate it beside the other columns' (polars runs them in parallel).

    One anchored match finds the values that are a plain integer or have exactly two
    decimals, within the digit limits of ``MONEY_RE``/``MINOR_RE``; a decimal (or integer)
    cast reads those exactly.
    """
    s = pl.col(col)
    if minor:
        clean = s.str.contains(r"^[+-]?[0-9]{1,18}$")
        return pl.when(clean).then(s.cast(pl.Int64, strict=False)).alias(col)
    # "[+-]d.dd" or "[+-]d" with 1..16 digits: a decimal cast at scale 2 is exact there
    clean = s.str.contains(rf"^[+-]?[0-9]{{1,{MAX_WHOLE_DIGITS}}}(?:\.[0-9]{{2}})?$")
    cents = s.cast(pl.Decimal(18, 2), strict=False).to_physical().cast(pl.Int64)
    return pl.when(clean).then(cents).alias(col)


def money_clean_series(s: pl.Series, minor: bool) -> pl.Series | None:
    """:func:`money_clean` of a text column by the compiled kernel
    (:func:`mlm_audit.kernels.money_views`), which reads the clean values of up to 12 bytes
    from the column's Arrow views and leaves every other value null for :func:`money_rest`,
    as :func:`money_clean` leaves its own (the values it reads are a subset of those, with
    the same amounts); None when the kernel is not built, for ``minor`` columns, or when
    the column's chunks do not come as string views."""
    if minor or s.dtype != pl.String or kernels.library() is None:
        return None
    parts: list[npt.NDArray[np.int64]] = []
    masks: list[npt.NDArray[np.bool_]] = []
    chunks = view_chunks(s)
    if chunks is None:
        return None
    for chunk, views, _data, _arr in chunks:
        got = kernels.money_views(views)
        if got is None:
            return None
        cents, ok = got
        if chunk.null_count():
            ok &= chunk.is_not_null().to_numpy()
        parts.append(cents)
        masks.append(ok)
    values = pl.Series(s.name, np.concatenate(parts) if parts else np.zeros(0, np.int64))
    clean = np.concatenate(masks) if masks else np.zeros(0, bool)
    return values if clean.all() else values.set(pl.Series(~clean), None)


def money_rest(df: pl.DataFrame, col: str, minor: bool, val: pl.Series
               ) -> tuple[pl.Series, pl.Series]:
    """``val`` (from :func:`money_clean`) completed by the exact parser
    (:func:`_money_text`) on the rows it left (spaces, symbols, separators, other decimals,
    errors), so every row gets the value and error the exact parser would give it; and the
    mask of invalid values."""
    need = val.is_null() & df[col].is_not_null()
    invalid = _none_invalid(col, df.height)
    if need.any():
        idx = need.arg_true()
        v, bad = _money_text(df.select(pl.col(col).gather(idx)), col, minor)
        val = val.scatter(idx, v)
        invalid = invalid.scatter(idx, bad)
    return val.alias(col), invalid


def _money_text(df: pl.DataFrame, col: str, minor: bool) -> tuple[pl.Series, pl.Series]:
    """The exact money parser on any non-integer column (see the module docstring)."""
    dtype = df.schema[col]
    s = df.select(as_text(col, dtype).alias("s"))
    if s.select(pl.col("s").str.contains(r"[^0-9.,+\-]").any()).item():
        # currency marks, spaces, full-width minus or accounting brackets: clean them first
        s = s.select(pl.col("s").str.replace_all(MONEY_JUNK, "")
                     .str.replace_many(list(FULL_WIDTH), list(FULL_WIDTH.values())))
        s = s.with_columns(
            pl.when(pl.col("s").str.starts_with("(") & pl.col("s").str.ends_with(")"))
            .then(pl.lit("-") + pl.col("s").str.strip_chars("()")).otherwise(pl.col("s"))
            .alias("s"))
    present = pl.col("s").is_not_null() & (pl.col("s") != "")
    # A match test is ten times cheaper than capturing groups: validate with the full
    # pattern, then take the parts apart with plain string splits.
    ok = (present & pl.col("s").str.contains(MINOR_RE if minor else MONEY_RE)
          & pl.col("s").str.contains(r"[0-9]"))
    body = pl.col("s").str.strip_chars_start("+-").str.replace_all(",", "", literal=True)
    parts = s.with_columns(ok.alias("ok"), pl.col("s").str.starts_with("-").alias("neg"),
                           body.str.split_exact(".", 1).alias("p")).unnest("p")
    sign = pl.when(pl.col("neg")).then(-1).otherwise(1)
    whole = pl.col("field_0").cast(pl.Int64, strict=False).fill_null(0)
    if minor:
        value = sign * whole
    else:
        # the pattern allows only zeros after the second decimal
        frac = pl.col("field_1").fill_null("").str.slice(0, 2).str.pad_end(2, "0")
        value = sign * (whole * MINOR_UNITS + frac.cast(pl.Int64, strict=False).fill_null(0))
    out = parts.select(pl.when(pl.col("ok")).then(value).alias("v"),
                       (present & ~pl.col("ok")).alias("bad"))
    return out["v"].alias(col), out["bad"].alias(col)


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
    that no known form matches.

    The forms that cover a sample are tried on the whole column (usually one strptime pass);
    only the values they miss get the full treatment (offsets dropped, spaces folded, every
    form, Excel serials).
    """
    raw = df[col]
    if raw.dtype == pl.Datetime:
        tz = getattr(raw.dtype, "time_zone", None)
        parsed = (raw.dt.replace_time_zone(None) if tz else raw).cast(TS)
        return parsed.alias(col), _none_invalid(col, df.height)
    if raw.dtype == pl.Date:
        return raw.cast(TS).alias(col), _none_invalid(col, df.height)
    if raw.dtype == pl.String:
        fast = _iso_seconds(raw)
        if fast is not None:
            return fast.alias(col), _none_invalid(col, df.height)
    frame = df.select(as_text(col, raw.dtype).alias("s"))
    present = frame["s"].is_not_null()
    if not present.any():
        return pl.repeat(None, df.height, dtype=TS, eager=True).alias(col), present.alias(col)
    sample = frame.filter(present).head(SAMPLE)
    formats = _covering(sample)
    parsed = frame.select(_parse_expr(formats, excel=not formats))["d"]
    missing = present & parsed.is_null()
    if missing.any():
        rest = frame.filter(missing).select(_normalize(pl.col("s")).alias("s")).select(
            _parse_expr(list(DATE_FORMATS), excel=True))["d"]
        parsed = parsed.scatter(missing.arg_true(), rest)
    return parsed.alias(col), (present & parsed.is_null()).alias(col)


def _none_invalid(col: str, n: int) -> pl.Series:
    """The invalid mask of a column that has no invalid value (built in Rust, not from a
    Python list: columns hold millions of rows)."""
    return pl.repeat(False, n, dtype=pl.Boolean, eager=True).alias(col)


def _iso_seconds(raw: pl.Series) -> pl.Series | None:
    """The whole column at once when every value is ``YYYY-MM-DD[ T]hh:mm:ss`` (exports'
    usual form), by Arrow's ISO-8601 cast; None when any value is not (then the exact path
    decides every row).

    Nineteen bytes leave the cast no other reading: with a naive target type it rejects
    offsets and ``Z``, impossible dates and leap seconds, so it either agrees with the
    exact path on every value or fails.
    """
    lens = raw.str.len_bytes()
    if lens.null_count() == lens.len() or lens.min() != 19 or lens.max() != 19:
        return None
    compiled = _iso_compiled(raw)
    if compiled is not None:
        return compiled
    try:
        out = pc.cast(raw.to_arrow(), pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pl.Series(raw.name, out).cast(TS)


def _iso_compiled(raw: pl.Series) -> pl.Series | None:
    """:func:`_iso_seconds` by the compiled kernel (:func:`mlm_audit.kernels.iso_views`),
    when it reads every value: it reads real dates and times in that one form (years 1 to
    9999, seconds to 59), a subset of what the Arrow cast reads, to the same microsecond;
    None otherwise (the Arrow cast then decides)."""
    if kernels.library() is None:
        return None
    parts: list[npt.NDArray[np.int64]] = []
    nulls: list[npt.NDArray[np.bool_]] = []
    chunks = view_chunks(raw)
    if chunks is None:
        return None
    for chunk, views, data, _arr in chunks:
        read = kernels.iso_views(views, data)
        if read is None:
            return None
        us, ok = read
        if chunk.null_count():
            missing = chunk.is_null().to_numpy()
            ok = ok | missing
        else:
            missing = np.zeros(us.size, dtype=bool)
        if not ok.all():
            return None
        parts.append(us)
        nulls.append(missing)
    values = pl.Series(raw.name, np.concatenate(parts) if parts else np.zeros(0, np.int64))
    absent = np.concatenate(nulls) if nulls else np.zeros(0, bool)
    if absent.any():
        values = values.set(pl.Series(absent), None)
    return values.cast(TS)


def _normalize(s: pl.Expr) -> pl.Expr:
    """Drop a trailing UTC offset or ``Z`` (wall-clock time kept) and fold runs of spaces."""
    return s.str.replace(r"(?:Z|[+-]\d{2}:?\d{2})$", "").str.replace_all(r"\s+", " ")


def _covering(sample: pl.DataFrame) -> list[str]:
    """Greedy: each form in order, kept only if it parses sample values no earlier one did."""
    left = sample["s"]
    chosen: list[str] = []
    for fmt in DATE_FORMATS:
        if left.len() == 0:
            break
        ok = left.str.strptime(TS, fmt, strict=False).is_not_null()
        if ok.any():
            chosen.append(fmt)
            left = left.filter(~ok)
    return chosen


def _parse_expr(formats: list[str], excel: bool) -> pl.Expr:
    s = pl.col("s")
    parts = [s.str.strptime(TS, f, strict=False) for f in formats]
    if not excel:
        return (pl.coalesce(parts) if len(parts) > 1 else parts[0]).alias("d")
    serial = s.cast(pl.Float64, strict=False)
    days = pl.when(serial.is_between(1, EXCEL_MAX) & s.str.contains(r"^\d{1,7}(\.\d+)?$")).then(
        EXCEL_EPOCH + pl.duration(microseconds=(serial * 86_400_000_000).round(0).cast(pl.Int64))
    )
    return pl.coalesce([*parts, days.cast(TS)]).alias("d")
