"""Preflight: every data-issue code fires on a small fixture; a clean dataset gives none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlm_audit import pipeline, preflight
from mlm_audit.io import load_dataset
from mlm_audit.model import InputError, IssueLevel
from mlm_audit.network import Network
from mlm_audit.schema import Dataset
from tests.conftest import AGENT_HEADER, ORDER_HEADER, PAYOUT_HEADER, WriteCsv


@pytest.fixture
def messy_dir(write_csv: WriteCsv, tmp_path: Path) -> Path:
    write_csv("messy/agents.csv", AGENT_HEADER, [
        ("R", "", "2024-01-01", "0"),          # row 2  root
        ("A", "R", "2024-01-02", "0"),         # row 3
        ("A", "R", "2024-01-05", "0"),         # row 4  duplicate_id
        ("B", "A", "2023-12-01", "0"),         # row 5  joined_before_sponsor
        ("S", "S", "2024-01-03", "0"),         # row 6  self_sponsor
        ("O", "GHOST", "2024-01-03", "0"),     # row 7  orphan_sponsor
        ("X", "Y", "2024-01-03", "0"),         # row 8  sponsor_cycle X -> Y -> Z -> X
        ("Y", "Z", "2024-01-03", "0"),         # row 9
        ("Z", "X", "2024-01-03", "0"),         # row 10
        ("U", "X", "2024-01-03", "0"),         # row 11 below_cycle
        ("C", "R", "2024-02-30", "0"),         # row 12 bad_date (loader)
    ])
    write_csv("messy/orders.csv", ORDER_HEADER, [
        ("O1", "X1", "A", "10", "2024-02-01", "retail"),
        ("O1", "X1", "A", "10", "2024-02-01", "retail"),       # duplicate_id
        ("O2", "X2", "NOBODY", "10", "2024-02-01", "retail"),  # unknown_agent (seller)
        ("O3", "X3", "A", "-10", "2024-02-01", "retail"),      # negative_amount (error)
        ("O4", "X4", "A", "-10", "2024-02-01", "return"),      # a return may be negative
        ("O5", "X5", "A", "ten", "2024-02-01", "retail"),      # bad_value (loader, rejected)
    ])
    write_csv("messy/payouts.csv", PAYOUT_HEADER, [
        ("P1", "A", "5", "2024-02-10", "override", "B"),       # fine: B is below A
        ("P2", "GHOST", "5", "2024-02-10", "other", ""),       # unknown_agent (recipient)
        ("P3", "A", "5", "2024-02-10", "override", "NOBODY"),  # unknown_agent (source)
        ("P4", "B", "5", "2024-02-10", "override", "R"),       # cross_line_payout
        ("P5", "A", "-2", "2024-02-10", "other", ""),          # negative_amount (clawback)
        ("P5", "A", "2", "2024-02-10", "other", ""),           # duplicate_id
    ])
    return tmp_path / "messy"


def _codes(issues) -> set[tuple[str, str, int | None, str | None, IssueLevel]]:
    return {(i.code, i.table or "", i.row, i.column, i.level) for i in issues}


def test_every_code_fires(messy_dir: Path):
    net, issues = preflight.run(load_dataset(messy_dir))
    E, W = IssueLevel.error, IssueLevel.warning
    assert _codes(issues) >= {
        ("duplicate_id", "agents", 4, "agent_id", E),
        ("joined_before_sponsor", "agents", 5, "joined_at", W),
        ("self_sponsor", "agents", 6, "sponsor_id", E),
        ("orphan_sponsor", "agents", 7, "sponsor_id", W),
        ("sponsor_cycle", "agents", 8, "sponsor_id", E),
        ("below_cycle", "agents", None, "sponsor_id", W),
        ("bad_date", "agents", 12, "joined_at", W),
        ("duplicate_id", "orders", 3, "order_id", E),
        ("unknown_agent", "orders", 4, "seller_id", W),
        ("negative_amount", "orders", 5, "amount", E),
        ("bad_value", "orders", 7, "amount", E),
        ("unknown_agent", "payouts", 3, "recipient_id", E),
        ("unknown_agent", "payouts", 4, "source_agent_id", W),
        ("cross_line_payout", "payouts", 5, "source_agent_id", W),
        ("negative_amount", "payouts", 6, "amount", W),
        ("duplicate_id", "payouts", 7, "payout_id", E),
    }
    # a negative return is not an issue; nothing else fires
    assert not any(i.row == 6 and i.table == "orders" for i in issues)
    by_code = {}
    for i in issues:
        by_code.setdefault(i.code, []).append(i)
    assert sorted(by_code) == sorted([
        "bad_date", "bad_value", "below_cycle", "cross_line_payout", "duplicate_id",
        "joined_before_sponsor", "negative_amount", "orphan_sponsor", "self_sponsor",
        "sponsor_cycle", "unknown_agent"])


def test_messages_name_the_agents(messy_dir: Path):
    _, issues = preflight.run(load_dataset(messy_dir))
    msgs = {i.code: i.message for i in issues if i.table == "agents"}
    assert msgs["sponsor_cycle"] == ("sponsor cycle of 3 agents: X, Y, Z; kept out of tree "
                                     "metrics")
    assert msgs["below_cycle"] == ("1 agents hang below a sponsor cycle and have no "
                                   "organization root (e.g. U); kept out of tree metrics")
    assert msgs["orphan_sponsor"] == ("sponsor GHOST of agent O is not in the agent list; the "
                                      "agent is treated as a root")
    neg = [i.message for i in issues if i.code == "negative_amount" and i.table == "orders"]
    assert neg == ["order O3 has negative amount -10.00 and is not a return; excluded from "
                   "money metrics"]


def test_cycle_members_are_kept_out_of_tree_metrics(messy_dir: Path):
    net, _ = preflight.run(load_dataset(messy_dir))
    level = dict(zip(net.ids, net.level.tolist(), strict=True))
    assert [level[a] for a in ("X", "Y", "Z", "U")] == [0, 0, 0, 0]
    assert [level[a] for a in ("R", "A", "B", "C", "S", "O")] == [1, 2, 3, 2, 1, 1]
    assert net.summary()["unrooted"] == 4
    assert int(np.asarray(net.downline_size)[net.ids.index("R")]) == 4  # R, A, B, C
    # the duplicate row and the negative non-return order are kept out as well
    assert net.agents.height == 10
    assert net.facts.orders == 3  # O1, O2, O4
    dup = net.facts.sample("orders", "duplicate_id", "order_id")
    neg = net.facts.sample("orders", "negative_amount", "amount")
    assert dup is not None and neg is not None
    assert (dup.count, neg.count) == (1, 1)


def test_audit_still_runs_on_what_is_sound(write_csv: WriteCsv, tmp_path: Path):
    chain = [(f"a{i}", f"a{i - 1}" if i else "", "", "100") for i in range(5)]
    cycle = [("x", "y", "", "0"), ("y", "x", "", "0")]
    write_csv("d/agents.csv", AGENT_HEADER, chain + cycle)
    prepared = pipeline.prepare(pipeline.Inputs(path=tmp_path / "d"))
    result = pipeline.audit(prepared, pipeline.load_packs([]))
    depth = [f for f in result.findings if f.rule_id == "BASE-DEPTH"]
    assert [f.subject.id for f in depth] == ["a0"]  # the cycle forms no organization
    assert result.stats["unrooted"] == 2
    assert [i.code for i in result.data_issues] == ["sponsor_cycle"]


@pytest.mark.parametrize("agents_bad", [True, False])
def test_an_error_in_the_agents_file_is_reported_before_one_in_orders(
        write_csv: WriteCsv, tmp_path: Path, agents_bad: bool):
    """Orders and payouts are opened before the agents load (their byte scans overlap it);
    the error the user meets first is still the agents file's."""
    agents = ("agent_id", "sponsor_id") if not agents_bad else ("who", "sponsor_id")
    write_csv("b/agents.csv", agents, [("a", "")])
    write_csv("b/orders.csv", ("what",), [("x",)])
    with pytest.raises(InputError) as e:
        pipeline.prepare(pipeline.Inputs(path=tmp_path / "b"))
    assert str(e.value).startswith(str(tmp_path / "b" / ("agents.csv" if agents_bad
                                                          else "orders.csv")))


def test_clean_dataset_has_no_issues(clean_dir: Path):
    net, issues = preflight.run(load_dataset(clean_dir))
    assert issues == []
    assert net.summary()["unrooted"] == 0


def test_root_markers_are_roots_unless_they_are_agents(write_csv: WriteCsv, tmp_path: Path):
    write_csv("m/agents.csv", ("agent_id", "sponsor_id"),
              [("A", "总部"), ("B", "0"), ("C", "company"), ("0", ""), ("D", "0")])
    net, issues = preflight.run(load_dataset(tmp_path / "m"))
    parent = dict(zip(net.ids, net.agents["sponsor_id"].to_list(), strict=True))
    assert parent == {"A": None, "B": "0", "C": None, "0": None, "D": "0"}
    assert issues == []


def test_no_agents_cannot_be_audited(write_csv: WriteCsv, tmp_path: Path):
    write_csv("e/agents.csv", ("agent_id", "sponsor_id"), [("", "x")])
    ds = load_dataset(tmp_path / "e")
    with pytest.raises(InputError) as e:
        preflight.run(ds)
    assert str(e.value) == (f"{tmp_path / 'e' / 'agents.csv'}: no agent rows could be loaded; "
                            "nothing to audit")


def test_network_looks_ids_up_in_the_index_preflight_built():
    agents = pl.DataFrame({"agent_id": ["r", "a", "a", "b"], "sponsor_id": [None, "r", "r", "a"]})
    issues: list = []
    clean, parent, index = preflight.sound_agents(agents, "agents.csv", issues)
    assert clean["agent_id"].to_list() == ["r", "a", "b"]  # the repeated id dropped
    assert parent.tolist() == [-1, 0, 1]
    net = Network.from_dataset(Dataset.from_frames(clean), parent, None, index)
    assert net.dim.index is index
    assert net.dim.index.lookup(pl.Series(["b", "x", "r"])).tolist() == [2, -1, 0]
