"""Money columns of few spellings (each parsed once) agree with the row-by-row parser."""

from __future__ import annotations

import random

import polars as pl
import pytest

from mlm_audit.io import coerce, few, loader
from mlm_audit.io.loader import coerce_frame
from mlm_audit.io.mapping import load_mapping
from mlm_audit.io.stream_merge import Merge

N = few.MIN_ROWS + 1000


def _column(spellings: list[str | None], others: list[str | None], share: float,
            seed: int) -> pl.Series:
    """Rows drawn from ``spellings``, a ``share`` of them from ``others`` (after the head)."""
    rng = random.Random(seed)
    vals = [rng.choice(spellings) for _ in range(N)]
    for i in range(few.HEAD_ROWS, N):
        if rng.random() < share:
            vals[i] = rng.choice(others)
    return pl.Series("a", vals, dtype=pl.String)


CASES = [
    (["0.00"], [], 0.0),
    (["0.00", None], ["12.50", "1,200.00", "12.345", "abc", " 3 "], 0.03),
    (["398.00", "0", "12.345", "(5.00)"], ["¥7.10", "-1", "1e3"], 0.05),
    (["1200", "-35", "+0.05", ".50"], ["9" * 19, "", "12.50"], 0.01),
]


@pytest.mark.parametrize("minor", [False, True])
@pytest.mark.parametrize(("spellings", "others", "share"), CASES)
def test_few_spellings_match_the_row_parser(spellings: list[str | None],
                                            others: list[str | None], share: float,
                                            minor: bool) -> None:
    s = _column(spellings, others, share, seed=len(spellings))
    got = few.money_few(s, minor)
    assert got is not None  # the few-spellings path was taken
    want = coerce.money(s.to_frame(), "a", minor)
    assert got[0].to_list() == want[0].to_list()
    assert got[1].to_list() == want[1].to_list()
    assert got[0].name == got[1].name == "a"


def test_many_spellings_or_many_others_take_the_row_parser() -> None:
    varied = pl.Series("a", [f"{i}.00" for i in range(N)])
    assert few.money_few(varied, False) is None  # the head shows many spellings
    mostly_other = _column(["0.00"], [f"{i}.50" for i in range(50)], 0.5, seed=1)
    assert few.money_few(mostly_other, False) is None  # half the rows equal no spelling
    assert few.money_few(pl.Series("a", ["0.00"] * 100), False) is None  # too short
    assert few.money_few(pl.Series("a", [None] * N, dtype=pl.String), False) is None


def test_the_loader_reports_the_same_rows_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """A returns column of zeros with a few bad values: the loader gives the same rows and
    the same issues with the few-spellings path as without it."""
    s = _column(["0.00"], ["abc", "12.345", "3.50"], 0.01, seed=3)
    df = pl.DataFrame({"order_id": [f"O{i}" for i in range(N)], "buyer_id": ["A1"] * N,
                       "amount": ["10.00"] * N, "returned_amount": s,
                       "_row": list(range(2, N + 2))})
    tm = load_mapping(None).orders

    def load() -> tuple[pl.DataFrame, int, list[str]]:
        sink = Merge()
        out, rejected = coerce_frame("orders", df, tm, "orders.csv", sink)
        return out, rejected, [repr(i) for i in sink.finish()]

    fast = load()
    monkeypatch.setattr(loader, "money_few", lambda s, minor: None)
    slow = load()
    assert fast[0].equals(slow[0]) and fast[1] == slow[1] and fast[2] == slow[2]
    assert fast[2]  # the bad values were reported
