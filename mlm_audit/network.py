"""The Network: agents, dense tree arrays and the scanned fact tables; metrics computed
once, on demand.

Agents are indexed densely in input order (first occurrence of each id). Checks read from
here and never touch files.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics import money, tree
from mlm_audit.scan.dim import Dim
from mlm_audit.scan.facts import Facts, ScanPlan
from mlm_audit.scan.ids import AgentIndex
from mlm_audit.schema import Dataset

IntArray = npt.NDArray[np.int32]


class Network:
    """Agents and their tree, plus the fact tables the scans reduced orders and payouts to
    (:mod:`mlm_audit.scan`). Checks read ``buys``, ``sells``, ``pays`` and the tree; no order
    or payout row is held here."""

    def __init__(
        self,
        agents: pl.DataFrame,
        parent: IntArray,
        facts: Facts | None = None,
        has_orders: bool = True,
        has_payouts: bool = True,
        sources: dict[str, str | None] | None = None,
        rescan: Callable[[Network, ScanPlan], Facts] | None = None,
        index: AgentIndex | None = None,
    ) -> None:
        self.agents = agents
        self.parent = parent
        self.facts = facts if facts is not None else Facts()
        self.has_orders = has_orders
        self.has_payouts = has_payouts
        self.sources = sources or {}
        self.n = agents.height
        self.level, self.rooted = tree.levels(parent)
        self._rescan = rescan
        self._index = index  # of the agent ids, when the caller built one already

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_dataset(cls, ds: Dataset, parent: IntArray | None = None,
                     plan: ScanPlan | None = None, index: AgentIndex | None = None) -> Network:
        """Index a dataset whose agent ids are unique (preflight guarantees it) and scan its
        orders and payouts with the local engine."""
        from mlm_audit.scan.local import scan_frames

        agents = ds.agents.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int32))
        if parent is None:
            parent, index = sponsor_index(agents)
        sources = {t: ds.source(t) for t in ("agents", "orders", "payouts")}
        orders, payouts = ds.orders, ds.payouts

        def rescan(net: Network, p: ScanPlan) -> Facts:
            return scan_frames(orders, payouts, net.dim, p)

        net = cls(agents, parent, None, ds.has_orders, ds.has_payouts, sources, rescan, index)
        net.facts = rescan(net, plan or ScanPlan())
        return net

    @cached_property
    def dim(self) -> Dim:
        """The agent dimension scans join on."""
        return Dim.build(self.agents, self.level, self.preorder, self.downline_size,
                         self._index)

    # -- facts ------------------------------------------------------------------------
    @property
    def buys(self) -> pl.DataFrame:
        return self.facts.buys

    @property
    def sells(self) -> pl.DataFrame:
        return self.facts.sells

    @property
    def pays(self) -> pl.DataFrame:
        return self.facts.pays

    def require(self, days: int = 0, cross_top: int = 0) -> Facts:
        """Facts that answer entry windows of ``days`` and list ``cross_top`` cross-line
        payouts. The pipeline plans the scans from the rules, so this only rescans for
        networks built without a plan (tests, library use)."""
        plan = self.facts.plan
        if days <= plan.max_days and cross_top <= plan.cross_top:
            return self.facts
        if self._rescan is None:
            raise ValueError(f"the scans were planned for {plan.max_days} days and "
                             f"{plan.cross_top} cross-line rows; {days} and {cross_top} asked")
        wider = ScanPlan(max(days, plan.max_days), max(cross_top, plan.cross_top))
        self.facts = self._rescan(self, wider)
        from mlm_audit.metrics.sources import forget

        forget(self)  # views of the old facts
        return self.facts

    # -- identity ---------------------------------------------------------------------
    @cached_property
    def ids(self) -> list[str]:
        return self.agents["agent_id"].to_list()

    def id_of(self, idx: int) -> str:
        return str(self.agents["agent_id"][int(idx)])

    def index_of(self, agent_ids: list[str]) -> IntArray:
        """Dense index of each id, -1 where it is not an agent."""
        return self.dim.index.lookup(pl.Series(agent_ids, dtype=pl.String))

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
        order = tree.stable_order(self.root)
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
    def agent_money(self) -> pl.DataFrame:
        """Per-agent money table aligned with ``idx`` (see :mod:`mlm_audit.metrics.money`)."""
        return money.per_agent(self)

    @cached_property
    def paid_total(self) -> npt.NDArray[np.int64]:
        """Payouts received per agent (``agent_money["paid_total"]``, on its own)."""
        return money.paid_total(self)

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
            "orders": self.facts.orders,
            "payouts": self.facts.payouts,
            "roots": int(((self.parent < 0) & self.rooted).sum()),
            "unrooted": int((~self.rooted).sum()),
            "max_level": int(self.level.max()) if self.n else 0,
            "levels": {str(k): v for k, v in self.level_histogram().items()},
        }


def sponsor_index(agents: pl.DataFrame) -> tuple[IntArray, AgentIndex]:
    """Dense parent array from ``sponsor_id`` (unknown or empty sponsors become roots), and
    the index of the agent ids it was looked up in (for the network to keep)."""
    index = AgentIndex(agents["agent_id"])
    return index.lookup(agents["sponsor_id"]), index
