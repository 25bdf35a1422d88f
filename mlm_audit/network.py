"""The Network: canonical tables plus dense tree arrays; metrics computed once, on demand.

Agents are indexed densely in input order (first occurrence of each id). Orders and payouts
carry integer columns ``buyer_idx``, ``seller_idx``, ``recipient_idx``, ``source_idx``
(-1 = not an agent). Checks read from here and never touch files.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics import money, tree
from mlm_audit.schema import Dataset

IntArray = npt.NDArray[np.int32]


class Network:
    def __init__(
        self,
        agents: pl.DataFrame,
        parent: IntArray,
        orders: pl.DataFrame,
        payouts: pl.DataFrame,
        has_orders: bool = True,
        has_payouts: bool = True,
        sources: dict[str, str | None] | None = None,
    ) -> None:
        self.agents = agents
        self.parent = parent
        self.orders = orders
        self.payouts = payouts
        self.has_orders = has_orders
        self.has_payouts = has_payouts
        self.sources = sources or {}
        self.n = agents.height
        self.level, self.rooted = tree.levels(parent)

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_dataset(cls, ds: Dataset, parent: IntArray | None = None) -> Network:
        """Index a dataset whose agent ids are unique (preflight guarantees it)."""
        agents = ds.agents.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int32))
        if parent is None:
            parent = sponsor_index(agents)
        keys = agents.select(pl.col("agent_id"), pl.col("idx"))
        orders = attach_index(ds.orders, keys, {"buyer_id": "buyer_idx", "seller_id": "seller_idx"})
        payouts = attach_index(
            ds.payouts, keys, {"recipient_id": "recipient_idx", "source_agent_id": "source_idx"}
        )
        sources = {t: ds.source(t) for t in ("agents", "orders", "payouts")}
        return cls(agents, parent, orders, payouts, ds.has_orders, ds.has_payouts, sources)

    # -- identity ---------------------------------------------------------------------
    @cached_property
    def ids(self) -> list[str]:
        return self.agents["agent_id"].to_list()

    def id_of(self, idx: int) -> str:
        return str(self.agents["agent_id"][int(idx)])

    def index_of(self, agent_ids: list[str]) -> IntArray:
        return lookup(pl.Series(agent_ids, dtype=pl.String), self.agents["agent_id"])

    # -- tree metrics -----------------------------------------------------------------
    @cached_property
    def _level_order(self) -> tuple[IntArray, IntArray]:
        return tree.level_order(self.level)

    def subtree_sum(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return tree.subtree_reduce(self.parent, self.level, values, "sum", self._level_order)

    def subtree_max(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return tree.subtree_reduce(self.parent, self.level, values, "max", self._level_order)

    @cached_property
    def downline_size(self) -> npt.NDArray[np.int64]:
        """N(u) = |T(u)|, the agent included (1 for a leaf; 0 for unrooted agents)."""
        return self.subtree_sum(self.rooted.astype(np.int64))

    @cached_property
    def direct_recruits(self) -> npt.NDArray[np.int64]:
        p = self.parent[(self.parent >= 0) & self.rooted]
        return np.bincount(p, minlength=self.n).astype(np.int64)

    @cached_property
    def org_levels(self) -> IntArray:
        """L(u): levels of u's organization counted with u as level 1 (regulations §0)."""
        deepest = self.subtree_max(self.level.astype(np.int32))
        return np.where(self.rooted, deepest - self.level + 1, 0).astype(np.int32)

    @cached_property
    def root(self) -> IntArray:
        return tree.roots_of(self.parent, self.level)

    @cached_property
    def _by_root(self) -> tuple[IntArray, IntArray]:
        order = np.argsort(self.root, kind="stable").astype(np.int32)
        bounds = np.searchsorted(self.root[order], np.arange(-1, self.n + 1)).astype(np.int32)
        return order, bounds

    def org_members(self, root: int) -> IntArray:
        """Dense indices of every agent in the organization of ``root``."""
        order, bounds = self._by_root
        return order[bounds[root + 1]:bounds[root + 2]]

    def ancestor_at(self, k: int) -> IntArray:
        return tree.ancestor_at(self.parent, k)

    @cached_property
    def preorder(self) -> npt.NDArray[np.int64]:
        """Preorder numbers: T(u) is ``preorder[u] .. preorder[u] + downline_size[u] - 1``."""
        return tree.preorder(self.parent, self.level, self.downline_size, self._level_order)

    def generation(self, upper: IntArray, lower: IntArray) -> IntArray:
        return tree.generation(self.parent, self.level, upper, lower,
                               (self.preorder, self.downline_size))

    @cached_property
    def cross_line_payouts(self) -> npt.NDArray[np.bool_]:
        """Payouts whose source agent is known but not in the recipient's downline."""
        p = self.payouts
        if p.height == 0:
            return np.zeros(0, dtype=bool)
        rec = p["recipient_idx"].to_numpy().astype(np.int32)
        src = p["source_idx"].to_numpy().astype(np.int32)
        both = (rec >= 0) & (src >= 0) & (rec != src)
        gen = self.generation(np.where(both, rec, -1), np.where(both, src, -1))
        return both & (gen < 0)

    def chain(self, idx: int) -> list[str]:
        """Agent ids from the organization root down to ``idx`` (evidence for one agent)."""
        out: list[int] = []
        cur = int(idx)
        while cur >= 0 and len(out) <= self.n:
            out.append(cur)
            cur = int(self.parent[cur])
        ids = self.agents["agent_id"]
        return [str(ids[i]) for i in reversed(out)]

    def level_histogram(self) -> dict[int, int]:
        counts = np.bincount(self.level[self.rooted], minlength=1)
        return {int(lv): int(c) for lv, c in enumerate(counts) if lv > 0 and c}

    # -- money ------------------------------------------------------------------------
    @cached_property
    def order_is_external(self) -> npt.NDArray[np.bool_]:
        """EXT orders: the buyer is not a participant at the order date (regulations §0)."""
        return money.external_mask(self.orders, self.agents)

    @cached_property
    def agent_money(self) -> pl.DataFrame:
        """Per-agent money table aligned with ``idx`` (see :mod:`mlm_audit.metrics.money`)."""
        return money.per_agent(self)

    @cached_property
    def metrics(self) -> pl.DataFrame:
        """One row per agent: identity, tree metrics and money; the table rules query."""
        base = pl.DataFrame(
            {
                "agent_id": self.agents["agent_id"],
                "sponsor_id": self.agents["sponsor_id"],
                "level": self.level,
                "rooted": self.rooted,
                "direct_recruits": self.direct_recruits,
                "downline_size": self.downline_size,
                "org_levels": self.org_levels,
            }
        )
        return pl.concat([base, self.agent_money], how="horizontal")

    def summary(self) -> dict[str, Any]:
        return {
            "agents": self.n,
            "orders": self.orders.height,
            "payouts": self.payouts.height,
            "roots": int(((self.parent < 0) & self.rooted).sum()),
            "unrooted": int((~self.rooted).sum()),
            "max_level": int(self.level.max()) if self.n else 0,
            "levels": {str(k): v for k, v in self.level_histogram().items()},
        }


def lookup(values: pl.Series, keys: pl.Series) -> IntArray:
    """Position of each value in ``keys`` (unique), -1 where absent or null.

    A hash join on the string columns as polars holds them (no Arrow conversion), keeping
    the row order of ``values``. Should ``keys`` repeat a value, its first position wins.
    """
    if values.len() == 0:
        return np.zeros(0, dtype=np.int32)
    table = pl.DataFrame({"v": keys.cast(pl.String),
                          "i": pl.int_range(0, keys.len(), eager=True, dtype=pl.Int32)})
    left = pl.DataFrame({"v": values.cast(pl.String)})
    found = left.join(table, on="v", how="left", maintain_order="left")["i"]
    if found.len() != values.len():  # repeated keys: the first position wins
        table = table.unique("v", keep="first")
        found = left.join(table, on="v", how="left", maintain_order="left")["i"]
    return found.fill_null(-1).to_numpy().astype(np.int32, copy=False)


def sponsor_index(agents: pl.DataFrame) -> IntArray:
    """Dense parent array from ``sponsor_id``; unknown or empty sponsors become roots."""
    return lookup(agents["sponsor_id"], agents["agent_id"])


def attach_index(df: pl.DataFrame, keys: pl.DataFrame, cols: dict[str, str]) -> pl.DataFrame:
    """Add a dense agent index column for each id column (-1 where it is not an agent).

    ``keys`` holds ``agent_id`` and its dense ``idx`` (0..n-1 in row order)."""
    ids = keys.sort("idx")["agent_id"]
    return df.with_columns(pl.Series(name, lookup(df[col], ids), dtype=pl.Int32)
                           for col, name in cols.items())
