"""The compiled kernels give what their NumPy/polars twins give, on every input tried."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from mlm_audit import kernels
from mlm_audit.io import coerce
from mlm_audit.io.loader import coerce_frame
from mlm_audit.io.mapping import MappingFile
from mlm_audit.io.stream_merge import Quiet
from mlm_audit.scan.hashindex import HashIndex

built = pytest.mark.skipif(kernels.library() is None,
                           reason=f"compiled kernels: {kernels.status()}")


@pytest.fixture
def numpy_only(monkeypatch):
    """Every caller takes its NumPy/polars path."""
    monkeypatch.setattr(kernels, "library", lambda: None)


def _without_kernels(monkeypatch, fn):
    with monkeypatch.context() as m:
        m.setattr(kernels, "library", lambda: None)
        return fn()


@built
@pytest.mark.parametrize("tagged", [False, True])
def test_probe_finds_what_the_numpy_search_finds(monkeypatch, tagged):
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64)
    keys[100:200] = keys[:100]  # repeated keys: the first position wins
    keys[300:1300] = np.arange(1000, dtype=np.uint64)  # small keys crowd a few homes
    tags = rng.integers(0, 2**32, keys.size, dtype=np.uint64) if tagged else None
    table = HashIndex(keys, tags=tags)
    probes = np.concatenate([keys, rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64),
                             np.arange(2000, dtype=np.uint64)])
    compiled = table._search(probes)
    plain = _without_kernels(monkeypatch, lambda: table._search(probes))
    assert np.array_equal(compiled, plain)
    assert (compiled[:keys.size] != -1).all() and (compiled[50_000:100_000] == -1).all()


@built
def test_probe_on_a_full_run_of_slots_stops_at_the_empty_one(monkeypatch):
    keys = np.arange(5000, dtype=np.uint64) << np.uint64(40)  # long runs of probing
    table = HashIndex(keys, sparse=True)
    probes = np.concatenate([keys, keys + np.uint64(1)])
    got = table.find(probes)
    assert np.array_equal(got, _without_kernels(monkeypatch, lambda: table.find(probes)))
    assert np.array_equal(got[:5000], np.arange(5000)) and (got[5000:] == -1).all()


def _money_strings() -> list[str | None]:
    random.seed(3)
    alphabet = list("0123456789") * 3 + list("+-.,¥ ") + ["１", "e", "\t"]
    found: set[str] = set()
    for n in range(0, 15):
        for _ in range(3000):
            found.add("".join(random.choice(alphabet) for _ in range(n)))
    found |= {"12.50", "-12.50", "+3.00", "0", "-0.00", "12.5", "12.345", ".50", "5.",
              "+.50", "99999999999", "999999999.99", "9999999999.99", "12345678901234.56",
              "1,200.50", " 12.50", "12.50 ", "-", "+", ""}
    return [*sorted(found), None, None]


@built
def test_money_kernel_reads_the_clean_values_money_clean_reads(monkeypatch):
    values = _money_strings()
    df = pl.DataFrame({"amount": values}, schema={"amount": pl.String})
    compiled = coerce.money_clean_series(df["amount"], minor=False)
    assert compiled is not None
    plain = df.select(coerce.money_clean("amount", False))["amount"]
    read = compiled.is_not_null()
    # the kernel reads a subset of money_clean's values (at most 12 bytes), the same amounts
    assert not (read & plain.is_null()).any()
    assert compiled.filter(read).to_list() == plain.filter(read).to_list()
    assert read.sum() > 500  # it reads the common forms
    assert compiled.filter(pl.Series(values).is_in(["12.50", "-12.50", "+3.00", "-0.00"])
                           ).to_list() == [300, 0, -1250, 1250]  # sorted spellings' order


@built
def test_money_columns_coerce_alike_with_and_without_the_kernel(monkeypatch):
    values = _money_strings()
    n = len(values)
    df = pl.DataFrame({"order_id": [f"O{i}" for i in range(n)], "buyer_id": ["A1"] * n,
                       "amount": values, "_row": list(range(2, n + 2))},
                      schema={"order_id": pl.String, "buyer_id": pl.String,
                              "amount": pl.String, "_row": pl.Int64})
    tm = MappingFile().orders
    compiled = coerce_frame("orders", df, tm, "orders.csv", Quiet())
    plain = _without_kernels(monkeypatch,
                             lambda: coerce_frame("orders", df, tm, "orders.csv", Quiet()))
    assert compiled[1] == plain[1] and compiled[0].equals(plain[0])
    val, bad = coerce.money(df, "amount", False)
    other_val, other_bad = _without_kernels(monkeypatch,
                                            lambda: coerce.money(df, "amount", False))
    assert val.equals(other_val) and bad.equals(other_bad)


@built
def test_money_kernel_skips_nulls_whatever_their_views_hold():
    s = pl.Series("amount", ["12.00", None, "3.50"] * 1000)
    got = coerce.money_clean_series(s, minor=False)
    assert got is not None
    assert got[:3].to_list() == [1200, None, 350]
    assert got.null_count() == 1000


def test_minor_units_and_other_types_take_the_polars_path():
    assert coerce.money_clean_series(pl.Series(["12"]), minor=True) is None
    assert coerce.money_clean_series(pl.Series([12]), minor=False) is None


def test_without_the_library_every_kernel_says_so(numpy_only):
    assert kernels.library() is None
    assert kernels.probe(np.zeros(4, np.uint64), 1, np.zeros(1, np.uint64)) is None
    assert kernels.money_views(np.zeros(16, np.uint8)) is None
    assert coerce.money_clean_series(pl.Series(["1.00"]), minor=False) is None
    table = HashIndex(np.array([5, 9], dtype=np.uint64))
    assert table.find(np.array([9, 5, 7], dtype=np.uint64)).tolist() == [1, 0, -1]


def test_status_names_why_the_kernels_are_not_used(monkeypatch, tmp_path):
    def fresh() -> str:
        kernels._load.cache_clear()
        kernels.library.cache_clear()
        return kernels.status()

    try:
        monkeypatch.setenv(kernels.SWITCH, "0")
        assert fresh() == f"off ({kernels.SWITCH}=0)"
        monkeypatch.delenv(kernels.SWITCH)
        monkeypatch.setattr(kernels, "LIBRARY", tmp_path / "missing.so")
        assert fresh().startswith("not built")
        if kernels.HERE.joinpath("_kernels.so").exists():
            monkeypatch.setattr(kernels, "LIBRARY", kernels.HERE / "_kernels.so")
            other = tmp_path / "_kernels.c"
            other.write_text(kernels.SOURCE.read_text() + "\n/* changed */\n")
            monkeypatch.setattr(kernels, "SOURCE", other)
            assert fresh().startswith("built from another version")
            assert kernels.library() is None
    finally:
        monkeypatch.undo()
        fresh()


@built
def test_lookup_finds_what_the_numpy_lookup_finds(monkeypatch):
    from mlm_audit.scan.ids import RUN_ROWS, AgentIndex

    ids = pl.Series([f"A{i}" for i in range(20_000)])
    index = AgentIndex(ids)
    assert index.check is None  # tagged: the kernel's table
    rng = np.random.default_rng(11)
    picked = rng.integers(0, 30_000, 5 * RUN_ROWS)  # a third are not agents
    values = [f"A{i}" if i % 7 else None for i in np.repeat(picked, 3)]  # runs and nulls
    values += ["A5", " A5", "", "a5", "A19999", "A20000"]
    s = pl.Series(values, dtype=pl.String)
    got = index.lookup(s)
    plain = _without_kernels(monkeypatch, lambda: index.lookup(s))
    assert got.dtype == np.int32 and np.array_equal(got, plain)
    assert got[-6:].tolist() == [5, -1, -1, -1, 19999, -1]
    assert (got[np.flatnonzero(s.is_null().to_numpy())] == -1).all()


@built
def test_gen_counts_generations_as_the_numpy_gen_does(monkeypatch):
    from mlm_audit.network import Network
    from mlm_audit.schema import Dataset

    # 0 -> 1 -> 2 -> 3, 0 -> 4; 5 alone; 6 <-> 7 a cycle (outside any tree)
    agents = pl.DataFrame({"agent_id": [str(i) for i in range(8)],
                           "sponsor_id": [None, "0", "1", "2", "0", None, "7", "6"]})
    net = Network.from_dataset(Dataset.from_frames(agents))
    dim = net.dim
    rng = np.random.default_rng(5)
    upper = rng.integers(-1, 8, 5000).astype(np.int32)
    lower = rng.integers(-1, 8, 5000).astype(np.int32)
    got = dim.gen(upper, lower)
    assert np.array_equal(got, _without_kernels(monkeypatch, lambda: dim.gen(upper, lower)))
    pairs = np.array([[0, 3], [1, 3], [3, 1], [0, 4], [4, 2], [5, 5], [6, 7], [-1, 2]])
    got = dim.gen(pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32))
    assert got.tolist() == [3, 2, -1, 1, -1, 0, -1, -1]


def _timestamps() -> list[str | None]:
    rng = random.Random(9)
    out: list[str | None] = []
    for _ in range(4000):
        y, mo, d = rng.randint(1, 9999), rng.randint(0, 13), rng.randint(0, 32)
        h, mi, se = rng.randint(0, 24), rng.randint(0, 60), rng.randint(0, 61)
        out.append(f"{y:04d}-{mo:02d}-{d:02d}{rng.choice(' T')}{h:02d}:{mi:02d}:{se:02d}")
    out += ["2024-02-29 12:00:00", "2023-02-29 12:00:00", "1900-02-29 00:00:00",
            "2000-02-29 23:59:59", "0000-01-01 00:00:00", "2024-01-01 00:00:60",
            "2024-1-01 00:00:000", "2024/01/01 00:00:00", "2024-01-01 00:00:0x", None]
    return out


@built
def test_iso_kernel_reads_real_dates_as_the_arrow_cast_does(monkeypatch):
    import pyarrow as pa
    import pyarrow.compute as pc

    values = _timestamps()
    for value in values:
        s = pl.Series("t", [value, "2024-03-01 08:00:00"], dtype=pl.String)
        got = coerce._iso_compiled(s)
        try:
            want = pl.Series("t", pc.cast(s.to_arrow(), pa.timestamp("us"))).cast(coerce.TS)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            want = None
        if got is not None:  # what the kernel reads, the cast reads alike
            assert want is not None and got.equals(want), value
    read = sum(coerce._iso_compiled(pl.Series([v], dtype=pl.String)) is not None
               for v in values)
    assert read > 1000  # it reads the real ones


@built
def test_dates_come_out_alike_with_and_without_the_kernel(monkeypatch):
    clean = [f"2024-{m:02d}-{d:02d} 0{d % 10}:1{m % 10}:59" for m in range(1, 13)
             for d in range(1, 29)] * 50
    for values in (clean, [*clean, None, None], [*clean, "2024-13-01 00:00:00"]):
        df = pl.DataFrame({"paid_at": values}, schema={"paid_at": pl.String})
        got = coerce.dates(df, "paid_at")
        plain = _without_kernels(monkeypatch, lambda df=df: coerce.dates(df, "paid_at"))
        assert got[0].equals(plain[0]) and got[1].equals(plain[1])
    assert coerce._iso_compiled(pl.Series([*clean, None])) is not None
    assert coerce._iso_compiled(pl.Series([*clean, "2024-02-30 00:00:00"])) is None


@built
def test_run_sums_equal_reduceat(monkeypatch):
    from mlm_audit.metrics.runs import Runs

    rng = np.random.default_rng(2)
    n = 100_000
    idx = np.sort(rng.integers(0, 5000, n)).astype(np.int32)
    mk = rng.integers(24_000, 24_040, n).astype(np.int32)
    mk = np.concatenate([np.sort(mk[idx == i]) for i in np.unique(idx)])
    table = pl.DataFrame({"idx": idx, "mk": mk})
    values = rng.integers(-10**12, 10**12, n)
    where = rng.random(n) < 0.3
    for window in ("month", "quarter", "all"):
        r = Runs(table, window)
        for mask in (None, where):
            got = r.sum(values, mask)
            plain = _without_kernels(monkeypatch, lambda r=r, mask=mask: r.sum(values, mask))
            assert np.array_equal(got, plain)
        out = np.full(r.size + 3, 7, np.int64)
        r.sum(values, where, out=out[:r.size])
        assert np.array_equal(out[:r.size], plain) and (out[r.size:] == 7).all()
    starts = np.array([0, 3, 3, 2, 9], np.int64)  # not ascending: reduceat's first-row rule
    v = np.arange(1, 11, dtype=np.int64)
    assert np.array_equal(kernels.run_sums(v, starts), np.add.reduceat(v, starts))
    big = np.full(4, 2**62, dtype=np.int64)  # wraps as NumPy's int64 sums do
    assert np.array_equal(kernels.run_sums(big, np.array([0])), np.add.reduceat(big, [0]))


@built
def test_sum_by_is_exact_and_equal_to_the_numpy_path(monkeypatch):
    from mlm_audit.metrics.money import sum_by

    rng = np.random.default_rng(4)
    key = rng.integers(-1, 300, 200_000)
    for values in (rng.integers(-10**6, 10**6, key.size),
                   rng.integers(-10**15, 10**15, key.size)):  # the polars path's range
        got = sum_by(key, values, 300)
        plain = _without_kernels(monkeypatch, lambda v=values: sum_by(key, v, 300))
        assert got.dtype == np.int64 and np.array_equal(got, plain)
    assert kernels.sum_by(np.array([0, 5]), np.array([1, 2]), 3) is None  # beyond: NumPy's
    assert kernels.sum_by(np.array([0, 1]), np.array([1]), 3) is None
    assert sum_by(np.array([2, -1, 2]), np.array([5, 9, 6]), 3).tolist() == [0, 0, 11]


@built
@pytest.mark.parametrize("repeats", [0, 1, 500])
def test_repeated_keys_are_found_as_the_sort_finds_them(monkeypatch, repeats):
    from mlm_audit.scan.spill import Spill, repeated

    rng = np.random.default_rng(repeats)
    keys = rng.integers(0, 2**64 - 1, 300_000, dtype=np.uint64)
    keys[rng.integers(0, keys.size, repeats)] = keys[rng.integers(0, keys.size, repeats)]
    keys[-3:] = keys[0]  # one key thrice
    spill = Spill("h", 0)
    for part in np.array_split(keys, 7):
        spill.add(pl.DataFrame({"h": part}))
    got = repeated(spill, "h")
    plain = _without_kernels(monkeypatch, lambda: repeated(spill, "h"))
    assert np.array_equal(got, plain)
    values, counts = np.unique(keys, return_counts=True)
    assert np.array_equal(got, values[counts > 1])
    candidates = kernels.repeat_candidates(np.array_split(keys, 7))
    assert candidates is not None and candidates.size < keys.size // 4  # few are sorted


@built
@pytest.mark.parametrize("tagged", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_tables_built_in_c_find_what_sorted_tables_find(monkeypatch, tagged, sparse):
    rng = np.random.default_rng(8)
    keys = rng.integers(0, 2**64 - 1, 40_000, dtype=np.uint64)
    keys[500:600] = keys[:100]  # repeated: the first position wins in both
    keys[1000:3000] = np.arange(2000, dtype=np.uint64) << np.uint64(50)  # crowded homes
    tags = rng.integers(0, 2**64 - 1, keys.size, dtype=np.uint64) if tagged else None
    built = HashIndex(keys, sparse=sparse, tags=tags)
    plain = _without_kernels(monkeypatch, lambda: HashIndex(keys, sparse=sparse, tags=tags))
    assert not np.array_equal(built.table.view(np.uint64), plain.table.view(np.uint64))
    probes = np.concatenate([keys, rng.integers(0, 2**64 - 1, 40_000, dtype=np.uint64)])
    assert np.array_equal(built.find(probes), plain.find(probes))  # ...the same answers
    if tagged:
        assert np.array_equal(built.find_tagged(probes, np.concatenate([tags, tags])),
                              plain.find_tagged(probes, np.concatenate([tags, tags])))
    assert built.find(keys[500:600]).tolist() == list(range(100))


@built
def test_a_cluster_past_the_spare_slots_falls_back_to_the_sorted_build(monkeypatch):
    bits = 6
    keys = np.random.default_rng(1).integers(0, 2**64 - 1, 20_000, dtype=np.uint64)
    with np.errstate(over="ignore"):
        home = (keys * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)
    crowd = keys[home == (1 << bits) - 1][: kernels.SPARE_SLOTS + 8]  # all in the last home
    assert crowd.size == kernels.SPARE_SLOTS + 8
    assert kernels.build_table(crowd, None, bits) is None
    assert kernels.build_table(crowd[:8], None, bits) is not None


def _forest(n: int, seed: int) -> np.ndarray:
    """Random sponsor arrays: deep chains, wide fans, roots, cycles and agents below them."""
    rng = np.random.default_rng(seed)
    parent = np.full(n, -1, dtype=np.int32)
    for i in range(1, n):
        r = rng.random()
        if r < 0.05:
            continue  # a root
        parent[i] = i - 1 if r < 0.4 else rng.integers(0, i)  # chains and fans
    perm = rng.permutation(n).astype(np.int32)  # indices not in tree order
    inverse = np.empty(n, dtype=np.int32)
    inverse[perm] = np.arange(n, dtype=np.int32)
    shuffled = np.where(parent[perm] >= 0, inverse[parent[perm].clip(0)], -1).astype(np.int32)
    cyc = rng.choice(n, 6, replace=False)  # a 3-cycle and a self-loop (below: hangers-on)
    shuffled[cyc[0]], shuffled[cyc[1]], shuffled[cyc[2]] = cyc[1], cyc[2], cyc[0]
    shuffled[cyc[3]] = cyc[3]
    return shuffled


@built
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_levels_and_preorder_equal_the_vectorized_ones(monkeypatch, seed):
    from mlm_audit.metrics import tree

    parent = _forest(20_000, seed)
    level, rooted = tree.levels(parent)
    plain_level, plain_rooted = _without_kernels(monkeypatch, lambda: tree.levels(parent))
    assert np.array_equal(level, plain_level) and np.array_equal(rooted, plain_rooted)
    assert (level == 0).sum() >= 4 and level.max() > 20  # cycles, and deep chains
    size = tree.subtree_reduce(parent, level, rooted.astype(np.int64))
    pre = tree.preorder(parent, level, size)
    plain = _without_kernels(monkeypatch, lambda: tree.preorder(parent, level, size))
    assert np.array_equal(pre, plain)
    assert np.array_equal(np.sort(pre[rooted]), np.arange(rooted.sum()))  # a numbering


@built
def test_levels_of_a_small_tree_by_hand():
    from mlm_audit.metrics import tree

    # 0 root; 1, 2 under 0; 3 under 2; 4 <-> 5 a cycle; 6 under 5; 7 names itself
    parent = np.array([-1, 0, 0, 2, 5, 4, 5, 7], dtype=np.int32)
    level, rooted = tree.levels(parent)
    assert level.tolist() == [1, 2, 2, 3, 0, 0, 0, 0]
    size = np.array([4, 1, 2, 1, 0, 0, 0, 0])
    assert tree.preorder(parent, level, size).tolist() == [0, 1, 2, 3, -1, -1, -1, -1]


@built
@pytest.mark.parametrize("table", ["orders", "payouts"])
def test_kind_codes_equal_the_hashed_ones(monkeypatch, table):
    from mlm_audit.scan import derive

    codes = derive.ORDER_CODE if table == "orders" else derive.PAYOUT_CODE
    rng = random.Random(5)
    names = list(codes)
    values = [rng.choice(names) for _ in range(3000)]
    values += [None, "", "retail ", "Retail", "recruitment_bonus", "recruitment_bonu",
               "recruitment_bonusx", "x" * 70, "零售", names[0][:-1]]
    values += [names[-1]] * 50 + [None] * 3
    s = pl.Series("kind", values, dtype=pl.String)
    got = derive._codes(s, codes)
    plain = _without_kernels(monkeypatch, lambda: derive._codes(s, codes))
    assert got.dtype == np.int8 and np.array_equal(got, plain)
    assert got[-1] == derive.NULL_KIND and (got == derive.OTHER_KIND).sum() >= 6
    long = {n: c for n, c in codes.items()} | {"y" * 61: 7}
    assert kernels.codes_views(np.zeros(16, np.uint8), [], long, 0) is None  # too long a name


@built
def test_membership_columns_equal_the_numpy_ones(monkeypatch):
    import datetime as dt

    from mlm_audit import preflight
    from mlm_audit.scan import derive
    from mlm_audit.scan.facts import ScanPlan
    from mlm_audit.scan.partials import Samples
    from mlm_audit.schema import Dataset

    D = dt.datetime
    agents = pl.DataFrame({
        "agent_id": ["A", "B", "C", "D"], "sponsor_id": [None, "A", "A", "B"],
        "joined_at": [D(2024, 1, 1), D(2024, 1, 10, 12), None, D(2024, 2, 1)],
        "terminated_at": [None, D(2024, 3, 1), None, None]})
    rng = random.Random(2)
    n = 4000
    buyers = [rng.choice(["A", "B", "C", "D", "X", None]) for _ in range(n)]
    times = [None if rng.random() < 0.05 else
             D(2023, 12, 1) + dt.timedelta(seconds=rng.randint(0, 200 * 86400)) for _ in range(n)]
    times[:4] = [D(2024, 1, 10, 12), D(2024, 1, 11, 12), D(2024, 1, 11, 12, 0, 1),
                 D(2024, 3, 1)]  # exactly 0 and 1 day after B joined, a second more; B's end
    buyers[:4] = ["B"] * 4
    orders = pl.DataFrame({"order_id": [f"o{i}" for i in range(n)], "buyer_id": buyers,
                           "seller_id": [None] * n, "amount": [100] * n,
                           "ordered_at": times, "kind": ["retail"] * n,
                           "returned_amount": [0] * n},
                          schema_overrides={"seller_id": pl.String, "buyer_id": pl.String})
    net, _ = preflight.run(Dataset.from_frames(agents))
    for days in (0, 1, 30, 4000):
        plan = ScanPlan(max_days=days)
        got = derive.orders(orders, net.dim, plan, Samples())
        plain = _without_kernels(monkeypatch,
                                 lambda p=plan: derive.orders(orders, net.dim, p, Samples()))
        assert got.equals(plain), days
    assert got["jd"][:4].to_list() == [0, 1, 2, 51] and got["ext"][:4].to_list() == [
        False, False, False, True]


@built
@pytest.mark.parametrize("counts", [False, True])
def test_group_sums_equal_the_numpy_runs(monkeypatch, counts):
    from mlm_audit.scan.partials import IDX_SHIFT, sum_by_key

    rng = np.random.default_rng(6)
    n = 200_000
    idx = rng.integers(1, 3000, n).astype(np.uint64)
    low = rng.integers(0, 1 << 20, n).astype(np.uint64) & np.uint64(0xFFF0F)  # repeats
    k = (idx << np.uint64(IDX_SHIFT)) | low
    values = rng.integers(-10**15, 10**15, n)
    values[:5] = 2**62  # sums that wrap, as int64 sums do
    k[:5] = k[0]
    cnt = rng.integers(1, 5, n) if counts else None
    got = sum_by_key(k, values, cnt, "net")
    plain = _without_kernels(monkeypatch, lambda: sum_by_key(k, values, cnt, "net"))
    assert got.equals(plain) and got.height < n
    assert got["k"].is_sorted()
    tiny = sum_by_key(k[:1], values[:1], None, "net")  # one row: no kernel, the same frame
    assert tiny.rows() == [(int(k[0]), int(values[0]), 1)]


@built
def test_an_audit_reports_alike_with_and_without_the_kernels(tmp_path):
    """End to end, on generated pyramid data: the JSON report is the same either way."""
    import json
    import os
    import subprocess
    import sys

    from mlm_audit.generate import Spec, generate

    generate("pyramid", Spec(3000, 9, orders_per_agent=6), tmp_path / "data")
    reports = []
    for switch in ("1", "0"):
        out = tmp_path / f"report-{switch}.json"
        env = {**os.environ, kernels.SWITCH: switch}
        done = subprocess.run([sys.executable, "-m", "mlm_audit", "audit", str(tmp_path / "data"),
                               "--format", "json", "-o", str(out), "--no-store"], env=env,
                              capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr[-2000:]
        reports.append(json.loads(out.read_text(encoding="utf-8")))
    assert reports[0] == reports[1]
    assert reports[0]["findings"]  # a pyramid: there is something to compare


@built
def test_trim_test_answers_as_the_numpy_one(monkeypatch):
    base = [f"A{i}" for i in range(2000)] + ["agent-with-a-long-identifier-" + str(i)
                                           for i in range(2000)]
    cases = {"clean": base, "nulls": [*base, None, None],
             "lead space": [*base, " A1"], "trail tab": [*base, "A1\t"],
             "long trail space": [*base, "x" * 30 + " "], "ideographic space": [*base, "A1\u3000"],
             "nbsp lead": [*base, "\u00a0A1"], "non-ascii end": [*base, "代理一"],
             "empty": [*base, ""], "all null": [None, None]}
    for name, values in cases.items():
        s = pl.Series("id", values, dtype=pl.String)
        got = coerce.surely_trimmed(s)
        plain = _without_kernels(monkeypatch, lambda s=s: coerce.surely_trimmed(s))
        assert got == plain, name
        assert got == (name in ("clean", "nulls", "empty", "all null")), name
