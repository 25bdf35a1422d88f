"""Run sums over sorted fact tables (metrics.runs, metrics.flows) against plain group-bys."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from mlm_audit.metrics import attribution, flows, runs, windows
from mlm_audit.metrics.periods import Window, month_period
from mlm_audit.metrics.runs import Runs
from mlm_audit.network import Network
from mlm_audit.scan.facts import Facts, normalize

WINDOWS: list[Window] = ["month", "quarter", "year", "all"]
STOCK, SELF, RETURN, NULL = 2, 1, 5, 7


def _facts(seed: int, n: int = 25, rows: int = 400) -> Facts:
    rng = np.random.default_rng(seed)

    def common(lo: int) -> dict[str, Any]:
        return {"idx": rng.integers(lo, n, rows), "mk": rng.integers(-1, 40, rows),
                "kind": rng.integers(0, 8, rows), "ext": rng.random(rows) < 0.3,
                "n": rng.integers(1, 4, rows)}

    buys = normalize("buys", pl.DataFrame({**common(0), "jd": rng.integers(-1, 5, rows),
                                           "net": rng.integers(-300, 1000, rows)}))
    sells = normalize("sells", pl.DataFrame({**common(-1), "net": rng.integers(-300, 1000, rows)}))
    pays = normalize("pays", pl.DataFrame({
        **{k: v for k, v in common(-1).items() if k != "ext"},
        "gen": rng.integers(-1, 4, rows), "src_kind": rng.integers(-1, 6, rows),
        "src_ext": rng.integers(-1, 2, rows), "sjd": rng.integers(-1, 40, rows),
        "dsrc": rng.random(rows) < 0.5, "cross": rng.random(rows) < 0.1,
        "amount": rng.integers(-100, 1000, rows)}))
    return Facts(buys=buys, sells=sells, pays=pays, orders=rows, payouts=rows)


def _network(facts: Facts, n: int = 25, seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    parent = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, n)], dtype=np.int32)
    parent[n - 3:] = [n - 2, n - 1, n - 3]  # a sponsor cycle: three unrooted agents
    agents = pl.DataFrame({"agent_id": [f"a{i}" for i in range(n)]})
    return Network(agents, parent, facts)


def _sum(cond: pl.Expr, col: str = "net") -> pl.Expr:
    return pl.when(cond).then(pl.col(col)).otherwise(0).sum()


def _reference_flows(b: pl.DataFrame, s: pl.DataFrame, window: Window) -> pl.DataFrame:
    kind, ext = pl.col("kind"), pl.col("ext")
    buyer = b.with_columns(month_period(window)).filter(pl.col("pk") >= 0).group_by(
        "idx", "pk").agg(
        _sum(kind.is_in([STOCK, 3, SELF])).alias("purchased"),
        _sum(kind == SELF).alias("self_use"), _sum(kind == STOCK).alias("stock_up"),
        _sum(~ext & (kind != STOCK)).alias("int_direct"), _sum(~ext, "n").alias("buys"))
    sold = (pl.col("idx") >= 0) & (kind != RETURN) & (kind != NULL)
    seller = s.with_columns(month_period(window), sold.alias("sold")).filter(
        (pl.col("pk") >= 0) & (pl.col("sold") | ext)).group_by("idx", "pk").agg(
        _sum(pl.col("sold")).alias("resold"), _sum(ext).alias("ext"),
        _sum(ext, "n").alias("ext_orders"))
    out = buyer.join(seller, on=["idx", "pk"], how="full", coalesce=True).fill_null(0)
    return out.select("idx", "pk", *flows.FLOW_COLS).sort("idx", "pk")


def _reference_paid(p: pl.DataFrame, window: Window) -> pl.DataFrame:
    return (p.filter(pl.col("idx") >= 0).with_columns(month_period(window))
            .group_by("idx", "pk").agg(pl.col("amount").sum().alias("paid")).sort("idx", "pk"))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("shuffled", [False, True])
def test_views_match_group_bys(seed: int, window: Window, shuffled: bool) -> None:
    f = _facts(seed)
    b, s, p = f.buys, f.sells, f.pays
    if shuffled:  # tables not in scan order are sorted first
        b, s, p = (t.sample(fraction=1.0, shuffle=True, seed=seed) for t in (b, s, p))
    ref = _reference_flows(b, s, window)
    assert flows.flows(b, s, window).equals(ref)

    paid = _reference_paid(p, window).filter(pl.col("pk") >= 0).rename({"paid": "earned"})
    want = (ref.filter((pl.col("idx") >= 0) & (pl.col("purchased") > 0))
            .select("idx", "pk", "purchased", "self_use", "stock_up", "resold")
            .join(paid, on=["idx", "pk"], how="left").fill_null(0))
    assert flows.purchases(b, s, p, window).equals(want)
    assert flows.purchases(b, s, None, window).equals(want.drop("earned"))

    shares = ref.select(
        "idx", "pk", pl.max_horizontal("ext", 0).alias("ext"),
        pl.max_horizontal(pl.col("int_direct") + pl.max_horizontal(
            pl.col("stock_up") - pl.col("resold"), 0), 0).alias("internal"),
        (pl.col("buys") + pl.col("ext_orders")).alias("orders"))
    assert flows.share_parts(b, s, window).sort("idx", "pk").equals(shares)
    totals = shares.group_by("pk").agg(pl.col(c).sum() for c in flows.SHARE_COLS).sort("pk")
    assert flows.share_totals(b, s, window).sort("pk").equals(totals)


@pytest.mark.parametrize("window", WINDOWS)
def test_network_views_match_group_bys(window: Window) -> None:
    net = _network(_facts(7))
    want = _reference_paid(net.pays, window)
    assert windows.paid_by_agent_period_key(net, window).equals(want)
    parts = attribution.external_share_parts(net, window)
    assert attribution.external_share_totals(net, window).equals(
        parts.group_by("pk").agg(pl.col(c).sum() for c in flows.SHARE_COLS).sort("pk"))
    trade = attribution.agent_period_trade(net, window, buying=True)
    assert trade.drop("earned").equals(attribution.purchase_periods(net, window))
    assert trade.filter(pl.col("earned") != 0).height > 0
    keys, sums = windows.ext_retail_by_agent_period_key(net, window)
    retail = (net.sells.filter((pl.col("idx") >= 0) & pl.col("ext") & (pl.col("kind") == 0))
              .with_columns(month_period(window)).group_by("idx", "pk").agg(pl.col("net").sum()))
    assert {(i, k): v for i, k, v in zip(runs.idx_of(keys).tolist(), runs.pk_of(keys).tolist(),
                                         sums.tolist(), strict=True) if v} == {
        (i, k): v for i, k, v in retail.iter_rows() if v}
    got = attribution.earned_at(net, window, trade["idx"].to_numpy()[::-1],
                                trade["pk"].to_numpy()[::-1])
    assert got.tolist() == trade["earned"].to_list()[::-1]


def test_downline_sums_match_walks_up_the_tree() -> None:
    n = 25
    net = _network(Facts(), n)
    rng = np.random.default_rng(5)
    rows = pl.DataFrame({"idx": np.r_[rng.integers(-1, n, 40), [n - 1, n - 1]],
                         "v": rng.integers(-50, 100, 42)})
    own = np.zeros(n, np.int64)
    for i, v in rows.filter(pl.col("idx") >= 0).iter_rows():
        own[i] += v
    want = own.copy()  # unrooted agents keep their own value and pass nothing up
    for i in range(n):
        j = int(net.parent[i])
        while net.rooted[i] and j >= 0:
            want[j] += own[i]
            j = int(net.parent[j])
    assert not net.rooted[n - 1] and want[n - 1] != 0
    assert attribution.downline_sums(net, rows, ("v",))["v"].tolist() == want.tolist()
    at = np.array([n - 1, 0, 3, 3])
    assert attribution.downline_sums(net, rows, ("v",), at=at)["v"].tolist() == want[at].tolist()


def test_lookups_on_empty_and_disjoint_keys() -> None:
    empty = np.zeros(0, np.int64)
    keys = runs.key_of(np.array([0, 0, 2]), np.array([1, 5, -1]))
    assert runs.idx_of(keys).tolist() == [0, 0, 2] and runs.pk_of(keys).tolist() == [1, 5, -1]
    assert runs.dated(keys).tolist() == [True, True, False]
    assert runs.gather(keys, empty, empty).tolist() == [0, 0, 0]
    assert runs.gather(empty, keys, np.array([1, 2, 3])).size == 0
    other = runs.key_of(np.array([0, 1, 2, 2, 3]), np.array([5, 0, -1, 7, 0]))
    assert runs.gather(keys, other, np.arange(10, 15)).tolist() == [0, 10, 12]
    assert runs.gather(other, keys, np.array([1, 2, 3])).tolist() == [2, 0, 3, 0, 0]


def _runs_frame(n: int = 5000) -> pl.DataFrame:
    rng = np.random.default_rng(5)
    return pl.DataFrame({"idx": np.sort(rng.integers(0, 300, n)).astype(np.int32),
                         "mk": rng.integers(24280, 24300, n).astype(np.int32)}).sort("idx", "mk")


def test_runs_of_a_table_are_found_once_and_forgotten_with_it() -> None:
    import gc

    df = _runs_frame()
    a = Runs.of(df, "month")
    assert Runs.of(df, "month") is a
    assert Runs.of(df, "quarter") is not a
    assert (id(df), "month") in runs._SHARED
    key = (id(df), "month")
    del df, a
    gc.collect()
    assert key not in runs._SHARED


def test_runs_of_a_large_table_are_not_kept(monkeypatch) -> None:
    monkeypatch.setattr(runs, "KEEP_ROWS", 10)
    df = _runs_frame()
    assert Runs.of(df, "month") is not Runs.of(df, "month")
    assert (id(df), "month") not in runs._SHARED


def test_shared_runs_sum_correctly_from_two_threads_at_once() -> None:
    import threading

    df = _runs_frame(200_000)
    rng = np.random.default_rng(6)
    values = rng.integers(-1000, 1000, df.height)
    masks = [rng.random(df.height) < p for p in (0.2, 0.5, 0.8, 0.95)]
    want = [Runs(df, "month").sum(values, m) for m in masks]
    shared = Runs.of(df, "month")
    start = threading.Barrier(len(masks))
    got: dict[int, list[np.ndarray]] = {}

    def work(i: int) -> None:
        start.wait()
        got[i] = [shared.sum(values, masks[i]) for _ in range(20)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(masks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, w in enumerate(want):
        assert all((g == w).all() for g in got[i])
