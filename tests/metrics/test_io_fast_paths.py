"""The fast paths taken for clean, large inputs give exactly what the full parsers give."""

from __future__ import annotations

import polars as pl
import pytest

from mlm_audit.io import coerce

MONEY = ["12.50", "12", "-3.00", "+4.10", "1,234.50", "¥12", "-.50", ".50", "12.5", "12.505",
         "1.+5", "abc", "", " 7.25", "99999999999999999999.00", "0012.30", None, "12.", "-12",
         "+.50", "1 000.00", "１２.00", "12.50元", "-0.05", "1.", "-", "--1.00", "+-1.00",
         "1.00 ", "0.00", "-12.34"]


@pytest.mark.parametrize("minor", [False, True])
def test_money_series_equals_full_parser(minor: bool) -> None:
    df = pl.DataFrame({"a": MONEY})
    val, bad = coerce.money("a", minor)
    ref = df.select(val.alias("v"), bad.alias("b"))
    fast_val, fast_bad = coerce.money_series(df, "a", minor)
    assert fast_val.to_list() == ref["v"].to_list()
    assert fast_bad.to_list() == ref["b"].to_list()
    assert ref["b"].sum() > 0 and ref["v"].drop_nulls().len() >= 3  # both outcomes covered


def test_dates_fall_back_row_by_row() -> None:
    # the sample finds ISO; a serial day, another format and junk appear later
    text = ["2024-03-01 10:00:00"] * 2100 + ["45352", "2024/3/2", "soon", "", None]
    parsed, invalid = coerce.dates(pl.DataFrame({"d": text}), "d")
    tail = parsed.to_list()[-5:]
    assert [str(x) if x else None for x in tail] == [
        "2024-03-01 00:00:00", "2024-03-02 00:00:00", None, None, None]
    assert invalid.to_list()[-5:] == [False, False, True, False, False]
    assert parsed.null_count() == 3
