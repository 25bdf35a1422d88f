"""The whole-column ISO cast for dates agrees with the exact parser, or steps aside."""

from __future__ import annotations

import polars as pl
import pytest

from mlm_audit.io import coerce

CLEAN = ["2024-01-01 00:00:50", "2024-02-29T23:59:59", "9999-12-31 23:59:59",
         "0001-01-01 00:00:00",
         None]
# nineteen bytes each, but not plain ISO seconds: the exact path must decide them
ODD = ["2024-02-30 00:00:00", "2024-01-01 23:59:60", "2024-01-01 12:00+08",
       "2024/01/01 00:00:00", "2024-01-0100:00:00 ", "2024-01-01 12+08:00",
       "2024-01-01 00:00:5Z", "2024-1-01 00:00:00 "]


def _exact(df: pl.DataFrame) -> tuple[list[object], list[bool]]:
    frame = df.select(coerce.as_text("d", pl.String).alias("s"))
    parsed = frame.select(coerce._parse_expr(list(coerce.DATE_FORMATS), excel=True))["d"]
    missing = frame["s"].is_not_null() & parsed.is_null()
    rest = frame.filter(missing).select(coerce._normalize(pl.col("s")).alias("s")).select(
        coerce._parse_expr(list(coerce.DATE_FORMATS), excel=True))["d"]
    parsed = parsed.scatter(missing.arg_true(), rest)
    return parsed.to_list(), (frame["s"].is_not_null() & parsed.is_null()).to_list()


@pytest.mark.parametrize("values", [CLEAN, *([*CLEAN, odd] for odd in ODD)])
def test_dates_match_exact_parser(values: list[str | None]) -> None:
    df = pl.DataFrame({"d": pl.Series(values, dtype=pl.String)})
    parsed, bad = coerce.dates(df, "d")
    assert (parsed.to_list(), bad.to_list()) == _exact(df)


def test_fast_path_taken_only_for_clean_columns() -> None:
    clean = pl.Series("d", CLEAN, dtype=pl.String)
    fast = coerce._iso_seconds(clean)
    assert fast is not None and fast.dtype == coerce.TS and fast.null_count() == 1
    for odd in ODD:
        assert coerce._iso_seconds(pl.Series("d", [*CLEAN, odd], dtype=pl.String)) is None
