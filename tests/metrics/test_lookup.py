"""Id lookups: position in the keys, -1 when absent or null, the first position on repeats."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mlm_audit.scan import ids
from mlm_audit.scan.ids import AgentIndex


def test_lookup_positions_and_misses() -> None:
    got = AgentIndex(pl.Series(["a", "b", "c"])).lookup(pl.Series(["b", "a", None, "z", "b"]))
    assert got.tolist() == [1, 0, -1, -1, 1]
    assert AgentIndex(pl.Series(["a"])).lookup(pl.Series([], dtype=pl.String)).tolist() == []


def test_lookup_repeated_keys_first_wins() -> None:
    got = AgentIndex(pl.Series(["a", "b", "b", "a"])).lookup(pl.Series(["b", "a", "c"]))
    assert got.tolist() == [1, 0, -1]


def test_hashed_lookup_matches_the_exact_join() -> None:
    rng = np.random.default_rng(3)
    keys = pl.Series([f"A{i}" for i in rng.permutation(5000)])
    values = pl.Series([f"A{i}" if i % 7 else None for i in rng.integers(0, 6000, 20000)])
    index = AgentIndex(keys)
    assert not index.exact
    got = index.lookup(values)
    assert got.tolist() == index._join(values.cast(pl.String)).tolist()
    assert (got >= 0).sum() > 10000  # mostly hits, some misses and nulls
    assert (got == -1).sum() > 2000


def test_agent_index_hash_collisions_fall_back_to_the_join(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "id_hash", lambda s: np.zeros(s.len(), dtype=np.uint64))
    index = ids.AgentIndex(pl.Series(["a", "b", "c", "d"]))
    assert index.exact
    assert index.lookup(pl.Series(["c", "b", "x", "a", None])).tolist() == [2, 1, -1, 0, -1]
