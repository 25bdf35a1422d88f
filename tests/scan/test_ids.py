"""Agent id lookups: row by row, by runs of repeated ids, and for kind spellings."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mlm_audit.scan import derive, ids
from mlm_audit.scan.ids import AgentIndex


@pytest.mark.parametrize("tagged", [True, False])
@pytest.mark.parametrize("exact", [False, True])
def test_runs_of_repeated_ids_are_looked_up_once(exact: bool, tagged: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if not tagged:  # as past 2^32 - 1 agents: the check hashes are read from an array
        monkeypatch.setattr(ids, "TAGGED_KEYS", 10)
    agents = pl.Series([f"A{i}" for i in range(50)])
    index = AgentIndex(agents)
    assert (index.check is None) == tagged
    index.exact = exact  # as when two agent ids share a hash
    rng = np.random.default_rng(2)
    pool = [f"A{i}" for i in range(60)] + [None]  # A50.. are not agents
    values = pl.Series([pool[i] for i in np.repeat(rng.integers(0, 61, 700), 4)],
                       dtype=pl.String)
    values[0] = None  # a run at the start that is null
    want = [int(v[1:]) if v is not None and int(v[1:]) < 50 else -1 for v in values]
    monkeypatch.setattr(ids, "RUN_ROWS", 10)
    assert index.lookup(values).tolist() == want  # by runs
    assert index.lookup(values.shuffle(3)).tolist() == [  # no runs: row by row
        want[i] for i in pl.Series(range(values.len())).shuffle(3).to_list()]
    assert index.lookup(pl.Series([None] * 40, dtype=pl.String)).tolist() == [-1] * 40


def test_kind_codes() -> None:
    kinds = pl.Series(["retail", None, "fee", "x", "return", "Retail", "", "stock_up",
                       "starter_kit", "self_purchase", None])
    assert derive._codes(kinds, derive.ORDER_CODE).tolist() == [0, 7, 4, 6, 5, 6, 6, 2, 3,
                                                                1, 7]
    assert derive._codes(kinds.cast(pl.Categorical), derive.PAYOUT_CODE).tolist() == [
        6, 7, 6, 6, 6, 6, 6, 6, 6, 6, 7]
    assert derive._codes(pl.Series(["override"]), derive.PAYOUT_CODE).tolist() == [2]
