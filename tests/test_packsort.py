"""Keys packed with their row numbers sort as a stable argsort does, and say when they do
not fit one word."""

from __future__ import annotations

import numpy as np
import pytest

from mlm_audit import packsort
from mlm_audit.packsort import SMALL, numpy_sorts_fast, packed_sort, sort_words


@pytest.mark.parametrize("n,bits", [(1, 1), (2, 3), (1000, 10), (5000, 40), (3000, 52),
                                    (3 * SMALL, 20), (3 * SMALL, 44)])
def test_packed_sort_is_a_stable_argsort(n: int, bits: int, sorter: str) -> None:
    keys = np.random.default_rng(n).integers(0, 1 << bits, n, dtype=np.int64).astype(np.uint64)
    keys[: n // 3] = keys[n // 2]  # ties, which keep their rows in order
    given = keys.copy()
    got = packed_sort(keys, bits)
    assert got is not None
    order, ks = got
    assert order.tolist() == np.argsort(keys, kind="stable").tolist()
    assert ks.tolist() == np.sort(keys).tolist()
    assert keys.tolist() == given.tolist()  # the caller's array is left alone


def test_keys_that_do_not_fit_with_the_rows_are_refused() -> None:
    keys = np.arange(1024, dtype=np.uint64)  # 10 bits of rows
    assert packed_sort(keys, 54) is not None
    assert packed_sort(keys, 55) is None


@pytest.fixture(params=["numpy", "polars"])
def sorter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each library in turn sorts the large arrays, whichever this processor favours."""
    monkeypatch.setattr(packsort, "numpy_sorts_fast", lambda: request.param == "numpy")
    return str(request.param)


@pytest.mark.parametrize("n", [0, 1, SMALL, SMALL + 1, 5 * SMALL])
@pytest.mark.parametrize("dtype", [np.uint64, np.int64, np.int32])
def test_sort_words_sorts_as_numpy_does(n: int, dtype: type, sorter: str) -> None:
    rng = np.random.default_rng(n)
    values = rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, n, dtype=dtype,
                          endpoint=True)
    values[: n // 4] = values[n // 2 : n // 2 + n // 4]  # repeats
    given = values.copy()
    got = sort_words(values)
    assert got.dtype == values.dtype
    assert got.tolist() == np.sort(given).tolist()
    assert values.tolist() == given.tolist()  # a new array: the caller's is left alone
    mine = values.copy()
    assert sort_words(mine, in_place=True).tolist() == np.sort(given).tolist()


def test_the_probe_chooses_once() -> None:
    numpy_sorts_fast.cache_clear()
    first = numpy_sorts_fast()
    assert isinstance(first, bool)
    assert numpy_sorts_fast() is first  # measured once per process: the choice stands
