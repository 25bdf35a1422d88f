"""Period keys and labels, and the display form of money, shared by every scan and check.

Periods are ``YYYY-MM`` (month), ``YYYY-Qn`` (quarter), ``YYYY`` (year) or ``all``; a row
without a date has no period in a dated window (``undated`` where a label is still needed).
Scans group on an integer key (grouping on ints is much cheaper than on strings, and
formatting dates row by row is the slow part of a scan) and label the groups afterwards.
"""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from mlm_audit.schema import MINOR_UNITS

Window = Literal["month", "quarter", "year", "all"]
UNDATED = "undated"


def money_text(minor: int, per: int = MINOR_UNITS) -> str:
    """Display form of a minor-unit amount: 120050 -> ``1,200.50``, -5 -> ``-0.05``."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), per)
    digits = len(str(per)) - 1
    return f"{sign}{whole:,}.{frac:0{digits}d}" if digits else f"{sign}{whole:,}"


def money(name: str, minor: int, suffix: str = "_display") -> dict[str, Any]:
    """Evidence pair for an amount: exact minor units and the display string."""
    return {name: int(minor), f"{name}{suffix}": money_text(int(minor))}


def period_key(ts: str | pl.Expr, window: Window) -> pl.Expr:
    """Integer period of a timestamp column, named ``pk``: months since year 0, quarters
    since year 0, the year, or 0 for ``all``. Null where the timestamp is null, except for
    ``all`` (every row counts)."""
    t = pl.col(ts) if isinstance(ts, str) else ts
    if window == "all":
        return (t.is_null().cast(pl.Int32) * 0).alias("pk")
    year = t.dt.year().cast(pl.Int32)
    if window == "month":
        key = year * 12 + t.dt.month().cast(pl.Int32) - 1
    elif window == "quarter":
        key = year * 4 + t.dt.quarter().cast(pl.Int32) - 1
    else:
        key = year
    return key.alias("pk")


def month_period(window: Window, mk: str = "mk") -> pl.Expr:
    """Period key, named ``pk``, from a month key column (``year * 12 + month - 1``, -1 when
    undated; docs/scans.md): the same keys as :func:`period_key`, with -1 for undated rows
    in dated windows."""
    m = pl.col(mk).cast(pl.Int32)
    if window == "all":
        return (m * 0).alias("pk")
    key = m if window == "month" else (m // 3 if window == "quarter" else m // 12)
    return pl.when(m < 0).then(pl.lit(-1, pl.Int32)).otherwise(key).alias("pk")


def period_label(key: int, window: Window) -> str:
    """``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` or ``all`` for a key from :func:`period_key`."""
    key = int(key)
    if window == "all":
        return "all"
    if key < 0:
        return UNDATED
    if window == "month":
        return f"{key // 12:04d}-{key % 12 + 1:02d}"
    if window == "quarter":
        return f"{key // 4:04d}-Q{key % 4 + 1}"
    return f"{key:04d}"


def period_label_expr(key: pl.Expr, window: Window) -> pl.Expr:
    """:func:`period_label` as an expression over a column of keys (negative or null:
    ``undated``)."""
    if window == "all":
        return key.cast(pl.String).replace_strict({"0": "all"}, default="all")
    if window == "month":
        text = pl.format("{}-{}", _year(key // 12), (key % 12 + 1).cast(pl.String).str.zfill(2))
    elif window == "quarter":
        text = pl.format("{}-Q{}", _year(key // 4), key % 4 + 1)
    else:
        text = _year(key)
    return pl.when(key.fill_null(-1) < 0).then(pl.lit(UNDATED)).otherwise(text)


def _year(key: pl.Expr) -> pl.Expr:
    return key.cast(pl.String).str.zfill(4)


def period_expr(ts: str | pl.Expr, window: Window) -> pl.Expr:
    """The period label of a timestamp column (for small tables; scans group on
    :func:`period_key` and label the groups afterwards)."""
    return period_label_expr(period_key(ts, window), window)
