"""The trim check (first and last byte from the Arrow string views) never lets a value that
needs trimming through untrimmed: whenever it says a column is trimmed, trimming changes no
value; and on clean id columns it does say so."""

from __future__ import annotations

import random

import polars as pl
import pytest

from mlm_audit.io import coerce
from mlm_audit.io.loader import Sink, coerce_frame
from mlm_audit.io.mapping import TableMapping

SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\u3000", "\u00a0", "\u2003", "\u0085"]
LONG = "ORDER-2024-0000000001"  # beyond 12 bytes: held in a data buffer, not inline


def _trim_changes_nothing(s: pl.Series) -> bool:
    return s.str.strip_chars().equals(s)


@pytest.mark.parametrize("base", ["A1", "A123456789AB", LONG, "订单1"])
@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("where", ["start", "end", "both", "only"])
def test_a_value_to_trim_is_caught(base: str, space: str, where: str) -> None:
    v = {"start": space + base, "end": base + space, "both": space + base + space,
         "only": space * 3}[where]
    s = pl.Series("id", ["A1", None, "", v, "B22"] + ["C" + str(i) for i in range(50)])
    assert not coerce.surely_trimmed(s)
    assert not _trim_changes_nothing(s)  # the case is real: trimming would change it


@pytest.mark.parametrize("values", [
    ["A1", "A22", "B333", None, "", "A123456789AB"],  # inline, nulls, empty text
    ["A1", LONG, LONG + "9", None],  # some in data buffers
    ["x"],
    [],
])
def test_clean_columns_are_known_trimmed(values: list[str | None]) -> None:
    s = pl.Series("id", values, dtype=pl.String)
    assert coerce.surely_trimmed(s)
    assert _trim_changes_nothing(s.filter(s.str.len_bytes() > 0))


def test_slices_and_chunks_are_read_where_they_start() -> None:
    clean = pl.Series("id", [f"A{i}" for i in range(100)])
    dirty = pl.Series("id", [f"A{i}" for i in range(100)] + [" A100"])
    assert coerce.surely_trimmed(dirty.slice(0, 100))
    assert not coerce.surely_trimmed(dirty.slice(50, 51))
    assert coerce.surely_trimmed(pl.concat([clean, clean], rechunk=False))
    assert not coerce.surely_trimmed(pl.concat([clean, dirty.slice(100, 1)], rechunk=False))


def test_non_ascii_edges_are_left_to_the_exact_trim() -> None:
    """A value that starts or ends with any non-ASCII character is not judged: the column is
    trimmed as before (most such characters are not spaces, and the trim keeps them)."""
    s = pl.Series("id", ["订单", "A1"])
    assert not coerce.surely_trimmed(s)
    assert _trim_changes_nothing(s)
    assert not coerce.surely_trimmed(pl.Series("n", [1, 2]))  # not text


def test_random_columns_agree_with_the_trim() -> None:
    rng = random.Random(11)
    alphabet = list("AB01-") + SPACES
    for _ in range(300):
        vals = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
                for _ in range(rng.randint(1, 30))]
        s = pl.Series("id", vals)
        if coerce.surely_trimmed(s):
            assert _trim_changes_nothing(s), vals


def test_loader_output_is_the_same_either_way() -> None:
    df = pl.DataFrame({
        "order_id": ["O1", " O2", "O3"], "buyer_id": ["A1", "A2", "A3\u3000"],
        "amount": ["1.00", "2.00", "3.00"], "_row": [2, 3, 4]})
    out, rejected = coerce_frame("orders", df, TableMapping(), "orders.csv", Sink([]))
    assert rejected == 0
    assert out["order_id"].to_list() == ["O1", "O2", "O3"]
    assert out["buyer_id"].to_list() == ["A1", "A2", "A3"]


@pytest.mark.parametrize("dirty", [LONG + " ", " " + LONG, "B1 ", "\u3000B1"])
def test_each_chunk_is_judged_long_values_and_nulls_included(dirty: str) -> None:
    """A batch comes in many chunks: a value to trim is found in whichever chunk holds it,
    inline or in a data buffer, beside chunks of nulls and clean long values."""
    clean = pl.Series("id", [f"A{i}" for i in range(100)] + [None])
    long = pl.Series("id", [LONG + str(i) for i in range(50)] + [None, ""])
    parts = [clean, long, clean]
    assert coerce.surely_trimmed(pl.concat(parts, rechunk=False))
    for at in range(len(parts) + 1):
        mixed = [*parts[:at], pl.Series("id", [None, dirty]), *parts[at:]]
        s = pl.concat(mixed, rechunk=False)
        assert s.n_chunks() == len(mixed)
        assert not coerce.surely_trimmed(s)
        assert not _trim_changes_nothing(s.drop_nulls())
