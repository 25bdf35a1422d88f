"""Per-organization figures kept with every stored run, so ``diff`` can show how each changed.

An organization is the tree under one root agent (no sponsor, or a sponsor not in the
data). For each: persons (agents in it), paying participants (ENTRY > 0), levels (root = 1),
payouts received by its members and their entry payments (minor units). Networks with very
many organizations keep only the ``limit`` largest by persons (ties by root id), which is
where the risk and the audit's attention are; the rest are summed into nothing, and the
stored run says how many were left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlm_audit.network import Network

DEFAULT_LIMIT = 1000
COLUMNS = ("root_id", "persons", "paying", "levels", "payouts_total", "entry_total")


def compute(net: Network, limit: int = DEFAULT_LIMIT) -> tuple[list[dict[str, Any]], int]:
    """Rows for the ``limit`` largest organizations (sorted by root id) and how many in all."""
    # numpy and polars load here, not on import: `diff` reads stored rows only
    import numpy as np
    import polars as pl

    if net.n == 0:
        return [], 0
    rooted = net.rooted
    money = net.agent_money
    # group-by in polars keeps money sums exact in Int64 (no float accumulation)
    members = pl.DataFrame({
        "root": net.root[rooted].astype(np.int64),
        "level": net.level[rooted].astype(np.int64),
        "entry": money["entry"].to_numpy()[rooted].astype(np.int64),
        "paid": money["paid_total"].to_numpy()[rooted].astype(np.int64),
    })
    df = members.group_by("root").agg(
        pl.len().cast(pl.Int64).alias("persons"),
        (pl.col("entry") > 0).sum().cast(pl.Int64).alias("paying"),
        pl.col("level").max().alias("levels"),
        pl.col("paid").sum().alias("payouts_total"),
        pl.col("entry").sum().alias("entry_total"),
    )
    ids = net.agents["agent_id"].gather(df["root"].to_numpy())
    df = df.with_columns(ids.alias("root_id")).select(COLUMNS)
    total = df.height
    if total > limit:
        df = df.sort(["persons", "root_id"], descending=[True, False]).head(limit)
    return df.sort("root_id").to_dicts(), total


def delta(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per organization present in either run: the figures before, after and the change.

    An organization only in ``after`` is ``new``; only in ``before`` is ``gone`` (or fell out
    of the top-N kept). Sorted by the largest absolute change in persons, then root id.
    """
    a = {r["root_id"]: r for r in before}
    b = {r["root_id"]: r for r in after}
    fields = COLUMNS[1:]
    out = []
    for root in sorted(set(a) | set(b)):
        ra, rb = a.get(root), b.get(root)
        status = "new" if ra is None else "gone" if rb is None else "both"
        row: dict[str, Any] = {"root_id": root, "status": status}
        for f in fields:
            va = ra[f] if ra else 0
            vb = rb[f] if rb else 0
            row[f] = {"before": va if ra else None, "after": vb if rb else None,
                      "change": vb - va}
        if status != "both" or any(row[f]["change"] for f in fields):
            out.append(row)
    out.sort(key=lambda r: (-abs(r["persons"]["change"]), r["root_id"]))
    return out
