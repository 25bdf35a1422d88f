"""The money fast path (integer cast on clean text) agrees with the exact parser row by row."""

from __future__ import annotations

import random

import polars as pl
import pytest

from mlm_audit.io import coerce

EDGES = ["12", "+12", "-12", ".50", "-.50", "+.50", "0.00", "12.5", "12.", "1,200.50", "12.500",
         "12.345", "", " 12.50", "12.50 ", "9" * 16, "9" * 17, "9" * 16 + ".99",
         "9" * 17 + ".99", "-" + "9" * 16 + ".99", "+" + "9" * 16, "9" * 18, "9" * 19,
         "-" + "9" * 18, "(35.00)", "1-2.00", "12.-5", "1_000", "1e3", "１２", None]


def _values() -> list[str | None]:
    rng = random.Random(7)
    alpha = list("0123456789") * 4 + list(".,+- ¥$()") + ["元", "RMB", "－"]
    vals: list[str | None] = list(EDGES)
    vals += ["".join(rng.choice(alpha) for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    vals += [str(rng.randint(0, 10**n)) + rng.choice(["", ".", ".5", ".50", ".500"])
             for n in range(1, 22)]
    return vals


@pytest.mark.parametrize("minor", [False, True])
def test_fast_path_matches_exact_parser(minor: bool) -> None:
    df = pl.DataFrame({"a": pl.Series(_values(), dtype=pl.String)})
    fast_v, fast_bad = coerce.money(df, "a", minor)
    exact_v, exact_bad = coerce._money_text(df, "a", minor)
    assert fast_v.to_list() == exact_v.to_list()
    assert fast_bad.to_list() == exact_bad.to_list()
    assert fast_bad.any() and fast_v.is_not_null().any()  # both kinds of row were exercised


def test_fast_path_values() -> None:
    df = pl.DataFrame({"a": ["12.50", "-3", "+0.05", "12.345", None]})
    v, bad = coerce.money(df, "a", False)
    assert v.to_list() == [1250, -300, 5, None, None]
    assert bad.to_list() == [False, False, False, True, False]


def test_full_width_amounts_read_as_ascii() -> None:
    df = pl.DataFrame({"a": ["１２.５０", "－３，０００．００", "（５．００）", "12"]})
    v, bad = coerce.money(df, "a", False)
    assert v.to_list() == [1250, -300000, -500, 1200]
    assert bad.to_list() == [False, False, False, False]


@pytest.mark.parametrize("minor", [False, True])
def test_other_non_ascii_digits_are_errors_not_zero(minor: bool) -> None:
    df = pl.DataFrame({"a": ["１２", "١٢", "12"]})
    v, bad = coerce.money(df, "a", minor)
    assert v.to_list() == [12, None, 12] if minor else [1200, None, 1200]
    assert bad.to_list() == [False, True, False]
