"""Spills held in memory within a budget and on disk beyond it; the hash index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlm_audit.scan import spill as spills
from mlm_audit.scan.hashindex import HashIndex
from mlm_audit.scan.spill import Budget, Spill, align, repeated


def _frames(n: int, rows: int, seed: int = 1) -> list[pl.DataFrame]:
    rng = np.random.default_rng(seed)
    return [pl.DataFrame({"h": rng.integers(0, 1 << 63, rows, dtype=np.int64).astype(np.uint64),
                          "v": np.arange(i * rows, (i + 1) * rows, dtype=np.int64)})
            for i in range(n)]


def _by_part(s: Spill, bits: int) -> dict[int, list[int]]:
    """Values per partition of ``bits``, in the order read."""
    out: dict[int, list[int]] = {}
    for p in range(s.count):
        for df in s.batches(p):
            for h, v in zip(df["h"].to_list(), df["v"].to_list(), strict=True):
                out.setdefault(h >> (64 - bits), []).append(v)
    return out


def test_a_spill_within_budget_stays_in_memory(tmp_path: Path) -> None:
    budget = Budget(1 << 20)
    s = Spill("h", 2, tmp_path, budget)
    for df in _frames(3, 100):
        s.add(df)
    s.close()
    assert s.in_memory and s.count == 1 and s.rows == 300
    assert budget.left < 1 << 20
    assert s.read(0)["v"].to_list() == list(range(300))  # added order
    assert not list(tmp_path.iterdir())  # no disk
    s.cleanup()
    assert budget.left == 1 << 20  # given back


def test_beyond_budget_a_spill_goes_to_disk_with_the_same_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spills, "FLUSH_ROWS", 64)
    frames = _frames(6, 100)
    size = int(frames[0].estimated_size())
    budget = Budget(2 * size + size // 2)  # two frames fit, the third does not
    s = Spill("h", 2, tmp_path, budget)
    mem = Spill("h", 2, tmp_path, Budget(1 << 30))
    for df in frames:
        s.add(df)
        mem.add(df)
    s.close()
    assert not s.in_memory and s.count == 4 and s.rows == 600
    assert budget.left == 2 * size + size // 2  # all given back when it left memory
    assert list(tmp_path.iterdir())  # written
    assert _by_part(s, 2) == _by_part(mem, 2)  # every row, in added order per partition
    assert sorted(v for vs in _by_part(s, 2).values() for v in vs) == list(range(600))
    s.cleanup()


def test_align_partitions_spills_unless_all_are_in_memory(tmp_path: Path) -> None:
    a, b = Spill("h", 3, tmp_path, Budget(1 << 20)), Spill("h", 3, tmp_path, Budget(1 << 20))
    for df in _frames(2, 50):
        a.add(df)
        b.add(df)
    assert align(a, b) == 1
    c = Spill("h", 3, tmp_path, Budget(0))  # on disk from its first row
    c.add(_frames(1, 50)[0])
    assert align(a, c) == 8 and not a.in_memory and not c.in_memory
    assert _by_part(a, 3) == _by_part(b, 3)


@pytest.mark.parametrize("range_rows", [2, 1000])
def test_repeated_keys_in_memory_and_on_disk(tmp_path: Path, range_rows: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spills, "RANGE_ROWS", range_rows)  # 2: keys in four ranges
    h = np.array([5, 9, 5, 1 << 63, 7, 9, 9, 1 << 63], dtype=np.uint64)
    for budget in (Budget(1 << 20), Budget(0), None):
        s = Spill("h", 2, tmp_path, budget)
        s.add(pl.DataFrame({"h": h[:3]}))
        s.add(pl.DataFrame({"h": h[3:]}))
        assert repeated(s, "h").tolist() == [5, 9, 1 << 63]
        s.cleanup()


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n", [0, 1, 2, 33, 5000])
def test_hash_index_finds_the_first_position(n: int, sparse: bool) -> None:
    rng = np.random.default_rng(n)
    keys = rng.integers(0, max(2, n // 3), n, dtype=np.int64).astype(np.uint64)  # repeats
    keys[::2] = rng.integers(0, 1 << 63, keys[::2].size, dtype=np.int64).astype(np.uint64)
    first: dict[int, int] = {}
    for i, k in enumerate(keys.tolist()):
        first.setdefault(k, i)
    probes = np.concatenate([keys, rng.integers(0, 1 << 63, 50, dtype=np.int64)
                             .astype(np.uint64), np.array([0, 1 << 64 - 1], np.uint64)])
    got = HashIndex(keys, sparse).find(probes)
    assert got.tolist() == [first.get(k, -1) for k in probes.tolist()]


def test_hash_index_with_keys_crowding_one_slot() -> None:
    inverse = pow(0x9E3779B97F4A7C15, -1, 1 << 64)  # keys whose mixed hashes are 0..299
    keys = np.array([i * inverse % (1 << 64) for i in range(300)], dtype=np.uint64)
    index = HashIndex(np.concatenate([keys, keys[:10]]))
    assert (index._home(keys) == 0).all()  # one home slot: a probe run of 300
    assert index.find(keys).tolist() == list(range(300))
    assert index.find(keys[:10] + np.uint64(1)).tolist() == [-1] * 10


def test_hash_index_with_tags() -> None:
    """Tags ride in the slot: a hit needs the key and the low 32 bits of its tag; ``find``
    still gives plain positions (the first of a repeated key)."""
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 1 << 63, 2000, dtype=np.int64).astype(np.uint64)
    keys[1500:] = keys[:500]  # repeated keys: the first position wins
    tags = rng.integers(0, 1 << 63, keys.size, dtype=np.int64).astype(np.uint64)
    tags[7] = np.uint64((1 << 64) - 1)  # a tag of all ones is not taken for an empty slot
    index = HashIndex(keys, tags=tags)
    want = [int(np.flatnonzero(keys == k)[0]) for k in keys[:1500]]
    assert index.find(keys[:1500]).tolist() == want
    assert index.find_tagged(keys[:1500], tags[want]).tolist() == want
    # the high half of a tag is not kept: only the low 32 bits must match
    assert index.find_tagged(keys[:3], tags[:3] ^ np.uint64(1 << 40)).tolist() == [0, 1, 2]
    assert index.find_tagged(keys[:3], tags[:3] ^ np.uint64(1)).tolist() == [-1] * 3
    absent = keys[:5] + np.uint64(1)
    assert index.find(absent).tolist() == [-1] * 5
    assert index.find_tagged(absent, np.full(5, (1 << 64) - 1, np.uint64)).tolist() == [-1] * 5
    with pytest.raises(ValueError, match="without tags"):
        HashIndex(keys).find_tagged(keys, tags)
