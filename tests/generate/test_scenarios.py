"""Each scenario is deterministic for a seed, loads, and has the shape it plants."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlm_audit import preflight
from mlm_audit.cli.main import run_cli
from mlm_audit.generate import SCENARIOS, Spec, generate
from mlm_audit.io import load_dataset
from mlm_audit.model import IssueLevel
from tests.scan_rows import derived

N = 400


def digest(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = {}
    for name in SCENARIOS:
        d = tmp_path_factory.mktemp(name)
        generate(name, Spec(N, 11, orders_per_agent=4), d)
        ds = load_dataset(d)
        net, issues = preflight.run(ds)
        out[name] = (d, ds, net, issues)
    return out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_deterministic_for_a_seed(name: str, tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    again = tmp_path / "again"
    generate(name, Spec(N, 11, orders_per_agent=4), again)
    assert digest(again) == digest(built[name][0])
    other = tmp_path / "other"
    generate(name, Spec(N, 12, orders_per_agent=4), other)
    assert digest(other)["orders.csv"] != digest(again)["orders.csv"]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_loads_cleanly(name: str, built) -> None:  # type: ignore[no-untyped-def]
    d, ds, net, issues = built[name]
    assert [i for i in issues if i.level != IssueLevel.info] == []
    meta = json.loads((d / "scenario.json").read_text(encoding="utf-8"))
    assert (net.n, net.facts.orders, net.facts.payouts) == (
        meta["agents"], meta["orders"], meta["payouts"])
    assert all(i.rows_rejected == 0 for i in ds.inputs)
    paid = ds.payouts["paid_at"]
    assert paid.null_count() == 0 and (paid.max() - paid.min()).days > 300  # type: ignore[operator]
    assert (ds.orders["amount"] > 0).all()
    assert int(net.pays["mk"].min()) >= 0 and int(net.pays["n"].sum()) == meta["payouts"]


def test_retail_is_shallow_and_sells_outside(built) -> None:  # type: ignore[no-untyped-def]
    _, ds, net, _ = built["retail"]
    assert int(net.level.max()) <= 3
    m = net.agent_money
    assert m["sold_ext"].sum() > 4 * m["sold_int"].sum()
    assert m["entry"].sum() == 0
    assert set(ds.payouts["kind"]) == {"retail_commission"}
    assert (ds.payouts["recipient_id"] == ds.payouts["source_agent_id"]).all()
    assert set(net.pays["gen"].to_list()) == {0}


def test_cps_pays_one_generation_only(built) -> None:  # type: ignore[no-untyped-def]
    _, ds, net, _ = built["cps"]
    _, p = derived(net, ds.orders, ds.payouts)
    gen = net.generation(p["recipient_idx"].to_numpy(), p["source_idx"].to_numpy())
    assert set(gen.tolist()) == {0, 1} == set(net.pays["gen"].to_list())
    assert net.sells["ext"].all()
    assert net.agent_money["entry"].sum() == 0


def test_pyramid_is_deep_fee_driven_and_loses_money(built) -> None:  # type: ignore[no-untyped-def]
    d, ds, net, _ = built["pyramid"]
    meta = json.loads((d / "scenario.json").read_text(encoding="utf-8"))
    assert int(net.level.max()) >= 10
    assert meta["planted"]["organizers"] == ["A1"]
    assert net.chain(int(net.index_of(["A12"])[0])) == meta["planted"]["deep_chain"]
    m = net.agent_money
    assert (m["entry"].to_numpy() > 0).mean() >= 0.8
    assert (m["net"].to_numpy() < 0).mean() > 0.5
    o, p = derived(net, ds.orders, ds.payouts)
    assert o["ext"].mean() < 0.1  # type: ignore[operator]
    bonus = ds.payouts.filter(pl.col("kind") == "recruitment_bonus")
    kits = ds.orders.filter(pl.col("kind") == "starter_kit").select(
        pl.col("order_id").alias("source_order_id"), pl.col("buyer_id").alias("kit_buyer"))
    joined = bonus.join(kits, on="source_order_id", how="left")
    assert bonus.height > 0 and (joined["kit_buyer"] == joined["source_agent_id"]).all()
    gen = net.generation(p["recipient_idx"].to_numpy(), p["source_idx"].to_numpy())
    assert int(gen.max()) == 3 and int(gen.min()) == 1
    assert int(net.pays["gen"].max()) == 3 and int(net.pays["gen"].min()) == 1


def test_stocking_loads_tiers_with_unsold_stock(built) -> None:  # type: ignore[no-untyped-def]
    d, ds, net, _ = built["stocking"]
    meta = json.loads((d / "scenario.json").read_text(encoding="utf-8"))
    ranks = dict(zip(net.agents["agent_id"], net.agents["rank"], strict=True))
    roots = np.flatnonzero(net.parent < 0)
    assert {ranks[net.id_of(int(r))] for r in roots} == {"总代"}
    m = net.agent_money
    assert m["bought_stock_up"].sum() > 3 * m["sold_ext"].sum()
    loaded = meta["planted"]["loaded_agents"]
    unsold = dict(zip(net.agents["agent_id"], m["unsold"], strict=True))
    assert loaded and all(unsold[a] > 0 for a in loaded)
    assert {"team_bonus", "rank_bonus"} <= set(ds.payouts["kind"])


def test_parquet_output_loads_the_same(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    generate("stocking", Spec(N, 11, orders_per_agent=4), tmp_path, "parquet")
    net = preflight.run(load_dataset(tmp_path))[0]
    ref = built["stocking"][2]
    assert net.agent_money.equals(ref.agent_money)
    assert np.array_equal(net.level, ref.level)


def test_cli_generate_and_errors(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "gen"
    assert run_cli(["generate", "pyramid", "--agents", "50", "--seed", "3", "--out",
                    str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["agents"] == 50
    assert run_cli(["audit", str(out), "--format", "json"]) in (0, 1)
    assert run_cli(["generate", "ponzi", "--out", str(out)]) == 2
    assert "unknown scenario 'ponzi'" in capsys.readouterr().err
    assert run_cli(["generate", "retail", "--out", str(out), "--format", "xml"]) == 2
    assert run_cli(["generate", "retail", "--out", str(out), "--start-date", "soon"]) == 2


def test_cli_lists_every_scenario():
    from mlm_audit.cli.generate import SCENARIO_NAMES
    from mlm_audit.generate import SCENARIOS

    assert sorted(SCENARIO_NAMES) == sorted(SCENARIOS)
