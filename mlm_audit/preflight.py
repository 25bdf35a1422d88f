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

import networkx as nx
import numpy as np
import polars as pl

from mlm_audit.itemize import itemize
from mlm_audit.metrics import tree
from mlm_audit.model import DataIssue, InputError, IssueLevel
from mlm_audit.network import Network, sponsor_index
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


def run(ds: Dataset) -> tuple[Network, list[DataIssue]]:
    """Preflight a dataset: returns the network of what is sound, and every issue found."""
    issues: list[DataIssue] = list(ds.issues)
    afile, ofile, pfile = ds.source("agents"), ds.source("orders"), ds.source("payouts")
    if ds.agents.height == 0:
        raise InputError(f"{afile or 'agents'}: no agent rows could be loaded; nothing to audit")

    agents = _dedupe(ds.agents, "agent_id", "agents", afile, issues)
    ids = agents["agent_id"]
    sponsor = pl.col("sponsor_id")
    is_marker = sponsor.str.strip_chars().str.to_lowercase().is_in(ROOT_MARKERS) & ~sponsor.is_in(
        ids.implode()
    )
    agents = agents.with_columns(
        pl.when(sponsor.is_null() | is_marker).then(None).otherwise(sponsor).alias("sponsor_id")
    )
    selfs = agents.filter(pl.col("sponsor_id") == pl.col("agent_id"))
    itemize(issues, selfs, "self_sponsor", IssueLevel.error, "agents", afile, "sponsor_id",
             lambda r: f"agent {r['agent_id']} names itself as sponsor; treated as a root")
    agents = agents.with_columns(
        pl.when(pl.col("sponsor_id") == pl.col("agent_id")).then(None).otherwise(sponsor)
        .alias("sponsor_id")
    )
    indexed = agents.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int32))
    parent = sponsor_index(indexed)
    orphans = indexed.filter(pl.col("sponsor_id").is_not_null() & pl.Series(parent < 0))
    itemize(issues, orphans, "orphan_sponsor", IssueLevel.warning, "agents", afile, "sponsor_id",
             lambda r: f"sponsor {r['sponsor_id']} of agent {r['agent_id']} is not in the agent "
                       "list; the agent is treated as a root")

    orders = _dedupe(ds.orders, "order_id", "orders", ofile, issues)
    neg = orders.filter((pl.col("amount") < 0) & (pl.col("kind") != "return"))
    itemize(issues, neg, "negative_amount", IssueLevel.error, "orders", ofile, "amount",
             lambda r: f"order {r['order_id']} has negative amount {major(r['amount'])} "
                       "and is not a return; excluded from money metrics")
    orders = orders.filter(~((pl.col("amount") < 0) & (pl.col("kind") != "return")))
    payouts = _dedupe(ds.payouts, "payout_id", "payouts", pfile, issues)
    itemize(issues, payouts.filter(pl.col("amount") < 0), "negative_amount", IssueLevel.warning,
             "payouts", pfile, "amount",
             lambda r: f"payout {r['payout_id']} is negative ({major(r['amount'])}); "
                       "kept as a clawback")

    clean = Dataset(indexed.drop("idx"), orders, payouts, ds.inputs, [], ds.has_orders,
                    ds.has_payouts)
    net = Network.from_dataset(clean, parent)
    _cycles(net, afile, issues)
    _joined_before_sponsor(net, afile, issues)
    _unknown_agents(net, ofile, pfile, issues)
    _cross_line(net, pfile, issues)
    return net, issues


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


def _unknown_agents(net: Network, ofile: str | None, pfile: str | None,
                    issues: list[DataIssue]) -> None:
    seller = pl.col("seller_id")
    # cheap integer test first: the string test runs only on sellers that are not agents
    bad_seller = net.orders.filter((pl.col("seller_idx") < 0) & seller.is_not_null()).filter(
        ~seller.str.strip_chars().str.to_lowercase().is_in(ROOT_MARKERS))
    itemize(issues, bad_seller, "unknown_agent", IssueLevel.warning, "orders", ofile,
             "seller_id",
             lambda r: f"order {r['order_id']} credits seller {r['seller_id']}, who is not in "
                       "the agent list")
    bad_rec = net.payouts.filter(pl.col("recipient_idx") < 0)
    itemize(issues, bad_rec, "unknown_agent", IssueLevel.error, "payouts", pfile,
             "recipient_id",
             lambda r: f"payout {r['payout_id']} goes to {r['recipient_id']}, who is not in the "
                       "agent list; left out of per-agent money")
    bad_src = net.payouts.filter(pl.col("source_agent_id").is_not_null()
                                 & (pl.col("source_idx") < 0))
    itemize(issues, bad_src, "unknown_agent", IssueLevel.warning, "payouts", pfile,
             "source_agent_id",
             lambda r: f"payout {r['payout_id']} names source agent {r['source_agent_id']}, who "
                       "is not in the agent list")


def cross_line_mask(net: Network) -> np.ndarray:
    """Payouts on a downline's activity whose source agent is not below the recipient.

    Computed once per network (preflight reports it, the cross-line check reads it)."""
    return net.cross_line_payouts


def _cross_line(net: Network, file: str | None, issues: list[DataIssue]) -> None:
    mask = cross_line_mask(net)
    if not mask.any():
        return
    itemize(issues, net.payouts.filter(pl.Series(mask)), "cross_line_payout",
             IssueLevel.warning, "payouts", file, "source_agent_id",
             lambda r: f"payout {r['payout_id']} to {r['recipient_id']} is sourced from "
                       f"{r['source_agent_id']}, who is not in the recipient's downline")
