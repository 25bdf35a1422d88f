"""Data-quality checks on loaded tables, and the sound Network they leave behind.

Codes (level): duplicate_id (error), self_sponsor (error), sponsor_cycle (error),
below_cycle (warning), orphan_sponsor (warning), joined_before_sponsor (warning),
unknown_agent (error for payout recipients, warning otherwise), negative_amount (error for
orders, warning for payouts: a clawback), cross_line_payout (warning), no_agents (error).

What is unsound is reported and kept out of the metrics it would distort, never dropped
silently: duplicate rows after the first, cycle members (level 0, no organization), orders
with negative amounts. Everything else is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from mlm_audit.itemize import itemize
from mlm_audit.metrics import tree
from mlm_audit.model import DataIssue, InputError, IssueLevel
from mlm_audit.network import IntArray, Network, sponsor_index
from mlm_audit.scan.facts import ScanPlan
from mlm_audit.scan.ids import AgentIndex
from mlm_audit.schema import MINOR_UNITS, ROOT_MARKERS, ROW, Dataset

DOWNLINE_KINDS = ("override", "team_bonus", "recruitment_bonus", "rank_bonus")
CYCLE_IDS_SHOWN = 50



def major(minor: int | None) -> str:
    """Minor units as an exact decimal amount: -500 -> '-5.00'."""
    if minor is None:
        return "?"
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), MINOR_UNITS)
    return f"{sign}{whole}.{frac:02d}"


def run(ds: Dataset, plan: ScanPlan | None = None) -> tuple[Network, list[DataIssue]]:
    """Preflight a dataset held in memory: returns the network of what is sound, and every
    issue found. Orders and payouts are scanned by the local engine."""
    issues: list[DataIssue] = list(ds.issues)
    agents, parent, index = sound_agents(ds.agents, ds.source("agents"), issues)
    clean = Dataset(agents, ds.orders, ds.payouts, ds.inputs, [], ds.has_orders, ds.has_payouts)
    net = Network.from_dataset(clean, parent, plan, index)
    finish(net, issues)
    return net, issues


def sound_agents(agents: pl.DataFrame, afile: str | None, issues: list[DataIssue]
                 ) -> tuple[pl.DataFrame, IntArray, AgentIndex]:
    """Agents with repeated ids dropped and root markers / self-sponsors cleared, the dense
    parent array and the index of their ids (for the network to keep); issues appended."""
    if agents.height == 0:
        raise InputError(f"{afile or 'agents'}: no agent rows could be loaded; nothing to audit")

    agents = _dedupe(agents, "agent_id", "agents", afile, issues)
    ids = agents["agent_id"]
    sponsor = pl.col("sponsor_id")
    marker = agents.select(sponsor.str.strip_chars().str.to_lowercase().is_in(ROOT_MARKERS))
    marker_s = marker.to_series()
    if marker_s.any():  # a marker that is also an agent's id is a sponsor, not a marker
        at = marker_s.arg_true()
        named = agents["sponsor_id"].gather(at).is_in(ids.implode())
        marker_s = marker_s.scatter(at.filter(named), False)
    agents = agents.with_columns(
        pl.when(sponsor.is_null() | marker_s).then(None).otherwise(sponsor).alias("sponsor_id")
    )
    selfs = agents.filter(pl.col("sponsor_id") == pl.col("agent_id"))
    itemize(issues, selfs, "self_sponsor", IssueLevel.error, "agents", afile, "sponsor_id",
             lambda r: f"agent {r['agent_id']} names itself as sponsor; treated as a root")
    agents = agents.with_columns(
        pl.when(pl.col("sponsor_id") == pl.col("agent_id")).then(None).otherwise(sponsor)
        .alias("sponsor_id")
    )
    indexed = agents.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int32))
    parent, index = sponsor_index(agents)
    orphans = indexed.filter(pl.col("sponsor_id").is_not_null() & pl.Series(parent < 0))
    itemize(issues, orphans, "orphan_sponsor", IssueLevel.warning, "agents", afile, "sponsor_id",
             lambda r: f"sponsor {r['sponsor_id']} of agent {r['agent_id']} is not in the agent "
                       "list; the agent is treated as a root")
    return agents, parent, index


def finish(net: Network, issues: list[DataIssue]) -> None:
    """Issues of a scanned network: what the scans found, sponsor cycles, join dates."""
    afile = net.sources.get("agents")
    _scan_issues(net, ("duplicate_id", "negative_amount"), issues)
    _cycles(net, afile, issues)
    _joined_before_sponsor(net, afile, issues)
    _scan_issues(net, ("unknown_agent", "cross_line_payout"), issues)


SCAN_ISSUES: dict[tuple[str, str, str], tuple[IssueLevel, Callable[[dict[str, Any]], str]]] = {
    ("orders", "duplicate_id", "order_id"): (
        IssueLevel.error,
        lambda r: f"order_id {r['order_id']} appears again; only its first row is used"),
    ("orders", "negative_amount", "amount"): (
        IssueLevel.error,
        lambda r: f"order {r['order_id']} has negative amount {major(r['amount'])} "
                  "and is not a return; excluded from money metrics"),
    ("payouts", "duplicate_id", "payout_id"): (
        IssueLevel.error,
        lambda r: f"payout_id {r['payout_id']} appears again; only its first row is used"),
    ("payouts", "negative_amount", "amount"): (
        IssueLevel.warning,
        lambda r: f"payout {r['payout_id']} is negative ({major(r['amount'])}); "
                  "kept as a clawback"),
    ("orders", "unknown_agent", "seller_id"): (
        IssueLevel.warning,
        lambda r: f"order {r['order_id']} credits seller {r['seller_id']}, who is not in "
                  "the agent list"),
    ("payouts", "unknown_agent", "recipient_id"): (
        IssueLevel.error,
        lambda r: f"payout {r['payout_id']} goes to {r['recipient_id']}, who is not in the "
                  "agent list; left out of per-agent money"),
    ("payouts", "unknown_agent", "source_agent_id"): (
        IssueLevel.warning,
        lambda r: f"payout {r['payout_id']} names source agent {r['source_agent_id']}, who "
                  "is not in the agent list"),
    ("payouts", "cross_line_payout", "source_agent_id"): (
        IssueLevel.warning,
        lambda r: f"payout {r['payout_id']} to {r['recipient_id']} is sourced from "
                  f"{r['source_agent_id']}, who is not in the recipient's downline"),
}


def _scan_issues(net: Network, codes: tuple[str, ...], issues: list[DataIssue]) -> None:
    for key, (level, msg) in SCAN_ISSUES.items():
        table, code, column = key
        sample = net.facts.sample(table, code, column)
        if code in codes and sample is not None:
            itemize(issues, sample.rows, code, level, table, net.sources.get(table), column,
                    msg, total=sample.count)


def _dedupe(df: pl.DataFrame, key: str, table: str, file: str | None,
            issues: list[DataIssue]) -> pl.DataFrame:
    if df.height == 0:
        return df
    # distinct hashes prove distinct ids, at a tenth of the cost of an exact distinct test
    if df.select(pl.col(key).hash().n_unique()).item() == df.height:
        return df
    first = df.select(pl.col(key).is_first_distinct()).to_series()
    if first.all():
        return df
    dups = df.filter(~first)
    itemize(issues, dups, "duplicate_id", IssueLevel.error, table, file, key,
             lambda r: f"{key} {r[key]} appears again; only its first row is used")
    return df.filter(first)


def _cycles(net: Network, file: str | None, issues: list[DataIssue]) -> None:
    unrooted = np.flatnonzero(~net.rooted).astype(np.int32)
    if unrooted.size == 0:
        return
    import networkx as nx  # loaded only when sponsors form cycles (a tenth of a second)

    on_cycle = tree.cycle_members(net.parent, unrooted)
    g = nx.DiGraph()
    g.add_edges_from(zip(on_cycle.tolist(), net.parent[on_cycle].tolist(), strict=True))
    rows = net.agents[ROW].to_numpy()
    cycles = sorted(
        (sorted(c, key=lambda i: net.ids[i]) for c in nx.weakly_connected_components(g)),
        key=lambda c: net.ids[c[0]],
    )
    for members in cycles:
        names = [net.ids[i] for i in members]
        shown = ", ".join(names[:CYCLE_IDS_SHOWN])
        more = f" and {len(names) - CYCLE_IDS_SHOWN} more" if len(names) > CYCLE_IDS_SHOWN else ""
        issues.append(DataIssue(
            "sponsor_cycle", IssueLevel.error,
            f"sponsor cycle of {len(names)} agents: {shown}{more}; kept out of tree metrics",
            file, int(rows[members[0]]), "sponsor_id", "agents", count=len(names)))
    below = np.setdiff1d(unrooted, on_cycle)
    if below.size:
        sample = ", ".join(net.ids[i] for i in below[:20])
        issues.append(DataIssue(
            "below_cycle", IssueLevel.warning,
            f"{below.size} agents hang below a sponsor cycle and have no organization root "
            f"(e.g. {sample}); kept out of tree metrics", file, None, "sponsor_id", "agents",
            count=int(below.size)))


def _joined_before_sponsor(net: Network, file: str | None, issues: list[DataIssue]) -> None:
    has_p = net.parent >= 0
    if not has_p.any():
        return
    joined = net.agents["joined_at"]
    sponsor_joined = joined.gather(np.where(has_p, net.parent, 0))
    early = (joined < sponsor_joined).fill_null(False).to_numpy() & has_p
    rows = net.agents.filter(pl.Series(early)).with_columns(
        sponsor_joined.filter(pl.Series(early)).alias("_sj"))
    itemize(issues, rows, "joined_before_sponsor", IssueLevel.warning, "agents", file,
             "joined_at",
             lambda r: f"agent {r['agent_id']} joined {r['joined_at']} before its sponsor "
                       f"{r['sponsor_id']} ({r['_sj']})")
