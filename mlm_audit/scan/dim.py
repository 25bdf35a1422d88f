"""The agent dimension a scan needs: id lookup, membership dates and tree intervals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit import kernels
from mlm_audit.scan.ids import AgentIndex

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
LO, HI = np.iinfo(np.int64).min, np.iinfo(np.int64).max


def _micros(s: pl.Series) -> pl.Series:
    return s.cast(pl.Datetime("us")).cast(pl.Int64)


@dataclass
class Dim:
    index: AgentIndex
    joined: I64  # microseconds; LO when unknown
    ended: I64  # microseconds; HI when not terminated
    level: I32  # 0 outside any tree
    pre: I64
    size: I64

    @classmethod
    def build(cls, agents: pl.DataFrame, level: I32, pre: I64, size: I64,
              index: AgentIndex | None = None) -> Dim:
        """``index``: of ``agents["agent_id"]``, if one was built already."""
        return cls(
            index if index is not None else AgentIndex(agents["agent_id"]),
            _micros(agents["joined_at"]).fill_null(LO).to_numpy(),
            _micros(agents["terminated_at"]).fill_null(HI).to_numpy(),
            np.asarray(level, dtype=np.int32), np.asarray(pre, dtype=np.int64),
            np.asarray(size, dtype=np.int64),
        )

    @property
    def n(self) -> int:
        return int(self.level.shape[0])

    def frame(self) -> pl.DataFrame:
        """The dimension as a table (docs/scans.md), for engines that join on it."""
        return pl.DataFrame({
            "idx": pl.int_range(0, self.n, eager=True, dtype=pl.Int32),
            "agent_id": self.index.ids,
            "joined": pl.Series(self.joined).set(pl.Series(self.joined == LO), None),
            "ended": pl.Series(self.ended).set(pl.Series(self.ended == HI), None),
            "level": self.level, "pre": self.pre, "size": self.size,
        })

    @cached_property
    def _tree(self) -> npt.NDArray[np.complex128] | None:
        """Per agent ``pre`` and ``level << 40 | pre + size`` side by side (one random read
        per agent in :meth:`gen`), or None when the numbers do not fit."""
        end = self.pre + self.size
        if self.n == 0 or self.pre.min() < 0 or end.max() >= 1 << 40 or self.level.min() < 0:
            return None
        packed = np.empty(2 * self.n, dtype=np.int64)
        packed[0::2] = self.pre
        packed[1::2] = (self.level.astype(np.int64) << 40) | end
        return packed.view(np.complex128)

    def gen(self, upper: I32, lower: I32) -> I32:
        """gen(upper, lower): generations from ``upper`` down to ``lower``; -1 when either
        is unknown or outside a tree, or ``lower`` is not in ``upper``'s downline."""
        if self._tree is not None:
            compiled = kernels.gen(self._tree.view(np.int64), upper, lower)
            if compiled is not None:  # the same, one pair after another in C
                return compiled
        ok = (upper >= 0) & (lower >= 0)
        u, v = np.where(ok, upper, 0), np.where(ok, lower, 0)
        if self._tree is not None:
            tu = np.take(self._tree, u).view(np.int64)
            tv = np.take(self._tree, v).view(np.int64)
            pu, pv = tu[0::2], tv[0::2]
            lu, lv = tu[1::2] >> 40, tv[1::2] >> 40
            ok &= (lu > 0) & (lv > 0) & (pv >= pu) & (pv < (tu[1::2] & ((1 << 40) - 1)))
            return np.where(ok, lv - lu, -1).astype(np.int32)
        lu, lv = self.level[u], self.level[v]
        pu, pv = self.pre[u], self.pre[v]
        ok &= (lu > 0) & (lv > 0) & (pv >= pu) & (pv < pu + self.size[u])
        return np.where(ok, lv.astype(np.int32) - lu, -1).astype(np.int32)
