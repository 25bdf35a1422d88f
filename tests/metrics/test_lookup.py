"""Id lookups: position in the keys, -1 when absent or null, the first position on repeats."""

from __future__ import annotations

import polars as pl
import pytest

from mlm_audit.network import lookup


def test_lookup_positions_and_misses() -> None:
    got = lookup(pl.Series(["b", "a", None, "z", "b"]), pl.Series(["a", "b", "c"]))
    assert got.tolist() == [1, 0, -1, -1, 1]


def test_lookup_repeated_keys_first_wins() -> None:
    got = lookup(pl.Series(["b", "a", "c"]), pl.Series(["a", "b", "b", "a"]))
    assert got.tolist() == [1, 0, -1]
    assert lookup(pl.Series([], dtype=pl.String), pl.Series(["a"])).tolist() == []


def test_row_lookup_matches_the_string_join() -> None:
    from mlm_audit.metrics.sources import row_lookup

    keys = pl.Series(["a", "b", "b", None, "c", "a"])
    values = pl.Series(["b", None, "a", "zz", "c", "c", ""])
    assert row_lookup(values, keys).tolist() == [1, -1, 0, -1, 4, 4, -1]
    assert row_lookup(values, keys).tolist() == lookup(values, keys).tolist()
    assert row_lookup(pl.Series([], dtype=pl.String), keys).tolist() == []


def test_row_lookup_hash_collisions_fall_back_to_strings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mlm_audit.metrics.sources import row_lookup

    # every string hashing alike: the hash join matches wrong rows, the check catches it
    monkeypatch.setattr(pl.Series, "hash", lambda s, seed=0: pl.zeros(s.len(), pl.UInt64,
                                                                        eager=True))
    keys = pl.Series(["a", "b", "b", "c"])
    assert row_lookup(pl.Series(["c", "b", "x", "a"]), keys).tolist() == [3, 1, -1, 0]
