"""The local engine: results do not depend on how the input is cut into batches; duplicates,
samples and cross-line rows are found across batch boundaries; rescans widen the plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlm_audit import preflight
from mlm_audit.generate import Spec, generate
from mlm_audit.io import load_dataset
from mlm_audit.scan import local
from mlm_audit.scan.facts import Facts, ScanPlan
from mlm_audit.scan.local import scan_frames
from mlm_audit.schema import Dataset

D = dt.datetime


def same(a: Facts, b: Facts) -> None:
    for t in ("buys", "sells", "pays", "cross_top"):
        assert getattr(a, t).equals(getattr(b, t)), t
    assert (a.orders, a.payouts) == (b.orders, b.payouts)
    assert a.samples.keys() == b.samples.keys()
    for k, s in a.samples.items():
        assert s.count == b.samples[k].count and s.rows.equals(b.samples[k].rows), k


@pytest.fixture(scope="module")
def pyramid(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    d: Path = tmp_path_factory.mktemp("pyr")
    generate("pyramid", Spec(300, 5, orders_per_agent=4), d)
    return load_dataset(d)


@pytest.mark.parametrize("rows", [1, 7, 500])
def test_batches_do_not_change_the_facts(pyramid: Dataset, rows: int) -> None:
    net, _ = preflight.run(pyramid)
    plan = ScanPlan(max_days=30, cross_top=5)
    whole = scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan)
    assert whole.pays.height > 10 and whole.buys["n"].sum() > 100
    same(whole, scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, batch_rows=rows))


def _messy() -> Dataset:
    agents = pl.DataFrame({"agent_id": ["A", "B", "C", "D"], "sponsor_id": [None, "A", "B", "A"],
                           "joined_at": [D(2024, 1, 1)] * 4})
    orders = pl.DataFrame({
        "order_id": ["o1", "o2", "o1", "o3", "o2", "o4"],
        "buyer_id": ["B", "C", "C", "D", "B", "C"], "seller_id": ["A"] * 6,
        "amount": [100, 200, 300, 400, 500, -1],
        "ordered_at": [D(2024, 1, 3), D(2024, 1, 20), D(2024, 2, 1), D(2024, 3, 1),
                       D(2024, 1, 2), D(2024, 1, 2)],
        "kind": ["retail"] * 6})
    payouts = pl.DataFrame({
        "payout_id": ["p1", "p2", "p3", "p4", "p1"],
        "recipient_id": ["B", "B", "C", "A", "A"], "amount": [5, 9, 7, 3, 1],
        "source_agent_id": ["D", "D", "D", "C", None], "kind": ["override"] * 5,
        "source_order_id": ["o3", None, "o2", "o2", None],
        "paid_at": [D(2024, 3, 31)] * 5})
    return Dataset.from_frames(agents, orders, payouts)


@pytest.mark.parametrize(("rows", "bits"), [(0, 0), (1, 0), (2, 0), (1, 2)])
def test_duplicates_and_samples_across_batches(rows: int, bits: int) -> None:
    ds = _messy()
    net, _ = preflight.run(ds)
    f = scan_frames(ds.orders, ds.payouts, net.dim, ScanPlan(max_days=10, cross_top=2),
                    batch_rows=rows, bits=bits)
    dup = f.sample("orders", "duplicate_id", "order_id")
    assert dup is not None and dup.count == 2 and dup.rows["_row"].to_list() == [3, 5]
    pdup = f.sample("payouts", "duplicate_id", "payout_id")
    assert pdup is not None and pdup.rows["_row"].to_list() == [5]
    assert (f.orders, f.payouts) == (3, 4)  # o1, o2, o3 kept; o4 negative; p1 once
    cross = f.sample("payouts", "cross_line_payout", "source_agent_id")
    assert cross is not None and cross.count == 3  # p1, p2 (B <- D), p3 (C <- D)
    assert f.cross_top["payout_id"].to_list() == ["p2", "p3"]  # largest two
    # o1 (B, 2 days after joining) and o2 (C, 19 days) fall in a 10-day window only once
    assert f.buys.filter(pl.col("jd") >= 0)["net"].sum() == 100


def test_a_wider_window_rescans() -> None:
    ds = _messy()
    net, _ = preflight.run(ds)
    assert net.facts.plan.max_days == 0 and (net.buys["jd"] == -1).all()
    f = net.require(days=30)
    assert f.plan.max_days == 30 and f is net.facts
    assert sorted(net.buys.filter(pl.col("jd") >= 0)["jd"].to_list()) == [2, 19]
    assert net.require(days=7) is f  # narrower: answered by the same facts


@pytest.mark.parametrize(("bits", "budget"), [(1, 0), (3, 0), (3, 20_000), (2, 1 << 30)])
def test_partitions_do_not_change_the_facts(pyramid: Dataset, bits: int, budget: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from mlm_audit.scan import partials, spill

    net, _ = preflight.run(pyramid)
    plan = ScanPlan(max_days=30, cross_top=5)
    whole = scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, bits=0)
    assert (whole.pays["src_kind"] >= 0).any()  # payouts linked to their source orders
    monkeypatch.setattr(spill, "FLUSH_ROWS", 50)  # write to disk, several batches a part
    # budget 0: every spill on disk; 20 kB: some spills leave memory midway, others stay
    monkeypatch.setattr(spill, "MEMORY_BYTES", budget)
    monkeypatch.setattr(partials, "MERGE_ROWS", 97)  # groups in memory merged in pieces
    same(whole, scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, batch_rows=97,
                            bits=bits))
    same(whole, scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, bits=0))


def test_per_agent_views_by_agent_range(pyramid: Dataset, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    from mlm_audit.metrics import attribution as attr

    net, _ = preflight.run(pyramid)
    whole_parts = attr.external_share_parts(net, "month").sort("idx", "pk")
    whole_trade = attr.agent_period_trade(net, "month", buying=True).sort("idx", "pk")
    full = attr.agent_period_trade(net, "month").filter(pl.col("purchased") > 0)
    assert whole_trade.equals(full.sort("idx", "pk"))
    monkeypatch.setattr(attr, "CHUNK_ROWS", 37)  # many ranges of agents
    assert len(list(attr._agent_ranges(net))) > 5
    assert attr.external_share_parts(net, "month").sort("idx", "pk").equals(whole_parts)
    assert attr.agent_period_trade(net, "month", buying=True).sort("idx", "pk").equals(
        whole_trade)


def test_a_large_join_is_partitioned_in_memory(pyramid: Dataset,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from mlm_audit.scan import local, spill

    net, _ = preflight.run(pyramid)
    plan = ScanPlan(max_days=30, cross_top=5)
    whole = scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, bits=0)
    spread: list[int] = []
    orig = spill.Spill.spread
    monkeypatch.setattr(spill.Spill, "spread",
                        lambda s: (spread.append(s.rows) if s.in_memory else None, orig(s))[1])
    monkeypatch.setattr(local, "JOIN_ROWS", 10)
    same(whole, scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, bits=2))
    assert len(spread) == 2  # payout and order records, partitioned for the join


def test_sources_find_the_first_kept_order_of_each_id() -> None:
    """Payout source ids (repeated, some absent) against order records in two batches: each
    payout gets the first kept (not negative) order of its id, -1 when there is none."""
    soh = np.array([7, 3, 7, 9, 3, 11], dtype=np.uint64)
    orders = [pl.DataFrame({"h": np.array([3, 7, 5], dtype=np.uint64),
                            "neg": [True, False, False], "tag": ["a", "b", "c"]}),
              pl.DataFrame({"h": np.array([3, 9, 7], dtype=np.uint64),
                            "neg": [False, False, False], "tag": ["d", "e", "f"]})]
    side = local._SourceTable.of(pl.DataFrame({"soh": soh}))
    found, pos = local._sources(side, iter(orders))
    tags = [found["tag"][int(p)] if p >= 0 else None for p in pos]
    assert tags == ["b", "d", "b", "e", "d", None]
    assert np.array_equal(local._distinct(soh), np.unique(soh))


def test_work_begun_as_a_pass_ends_gives_the_same_facts(pyramid: Dataset,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The join's table built in the payouts' thread, and the order facts merged as soon as
    the orders are scanned, give what the join and merges after both passes give."""
    net, _ = preflight.run(pyramid)
    plan = ScanPlan(max_days=30, cross_top=5)
    used: list[bool] = []
    orig = local._PayoutPass.join_early

    def early(p: local._PayoutPass) -> None:
        orig(p)
        used.append(p.early is not None)

    monkeypatch.setattr(local._PayoutPass, "join_early", early)
    begun = scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, bits=0)
    assert used == [True] and (begun.pays["src_kind"] >= 0).any()
    monkeypatch.setattr(local._PayoutPass, "join_early", lambda p: None)
    monkeypatch.setattr(local.Groups, "in_memory", property(lambda g: False))
    same(begun, scan_frames(pyramid.orders, pyramid.payouts, net.dim, plan, bits=0))


def test_sample_rows_do_not_hold_their_batch_in_memory() -> None:
    """Rows kept as samples or top rows own their text: a gather of a few rows would keep
    the whole batch's text buffers."""
    import datetime as dt

    from mlm_audit.scan.partials import owned

    def text_bytes(df: pl.DataFrame) -> int:
        arr = df["id"].to_arrow(compat_level=pl.CompatLevel.newest())
        return sum(b.size for b in arr.buffers()[2:] if b is not None)

    big = pl.DataFrame({"id": [f"payout-{i:012d}-of-a-long-batch" for i in range(100_000)],
                        "n": np.arange(100_000, dtype=np.int64),
                        "at": [dt.datetime(2024, 1, 1)] * 100_000,
                        "flag": [True, None] * 50_000})
    rows = big[[3, 70_000]]
    assert text_bytes(rows) > 1_000_000  # shares the batch's buffers
    mine = owned(rows)
    assert mine.equals(rows) and mine.schema == rows.schema
    assert text_bytes(mine) < 1_000
