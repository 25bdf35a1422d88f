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


def test_agent_index_matches_the_join() -> None:
    from mlm_audit.scan.ids import AgentIndex

    keys = pl.Series(["a", "b", "c", "d"])
    values = pl.Series(["b", None, "a", "zz", "c", "c", ""])
    assert AgentIndex(keys).lookup(values).tolist() == [1, -1, 0, -1, 2, 2, -1]
    assert AgentIndex(keys).lookup(values).tolist() == lookup(values, keys).tolist()
    assert AgentIndex(keys).lookup(pl.Series([], dtype=pl.String)).tolist() == []


def test_agent_index_hash_collisions_fall_back_to_the_join(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from mlm_audit.scan import ids

    monkeypatch.setattr(ids, "id_hash", lambda s: np.zeros(s.len(), dtype=np.uint64))
    index = ids.AgentIndex(pl.Series(["a", "b", "c", "d"]))
    assert index.exact
    assert index.lookup(pl.Series(["c", "b", "x", "a", None])).tolist() == [2, 1, -1, 0, -1]
