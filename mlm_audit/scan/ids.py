"""Agent id -> dense index, built once and used for every batch of every scan.

Ids are hashed to 64 bits and looked up in a hash table built once
(:class:`mlm_audit.scan.hashindex.HashIndex`: no table rebuilt per batch); every hit is
confirmed by 32 bits of a second, independent 64-bit hash of the id, kept in the table's
slot beside the position (no second random read). A wrong match needs a 64-bit collision
with some agent and a 32-bit one at once: about 1 in 10^20 per lookup against a billion
agents. Should two agent ids share the first hash, lookups fall back to an exact join.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit import kernels
from mlm_audit.packsort import sort_words
from mlm_audit.scan.hashindex import TAGGED_KEYS, HashIndex

SEED = 0x5EED
CHECK_SEED = 0xC0FFEE
RUN_ROWS = 1024  # engineering default: shorter columns are looked up row by row


def id_hash(s: pl.Series) -> npt.NDArray[np.uint64]:
    return s.cast(pl.String).hash(SEED).to_numpy()


class AgentIndex:
    def __init__(self, agent_ids: pl.Series) -> None:
        self.ids = agent_ids.cast(pl.String).rechunk()
        h = id_hash(self.ids)
        check = self.ids.hash(CHECK_SEED).to_numpy()
        # past 2^32 - 1 agents the positions need the whole word: checked from an array
        self.check = None if h.size < TAGGED_KEYS else check
        self.table = HashIndex(h, tags=check if self.check is None else None)
        hs = sort_words(h)
        self.exact = bool((hs[1:] == hs[:-1]).any())

    def lookup(self, values: pl.Series) -> npt.NDArray[np.int32]:
        """Dense index of each value, -1 where null or not an agent. A value repeated on
        consecutive rows (the orders of one buyer, say) is looked up once per run (rows
        whose two hashes equal the previous row's)."""
        n = values.len()
        nulls = values.null_count()
        if n == nulls or self.ids.len() == 0:
            return np.full(n, -1, dtype=np.int32)
        vals = values.cast(pl.String)
        if self.exact:
            return self._join(vals)
        h, check = id_hash(vals), vals.hash(CHECK_SEED).to_numpy()
        given = vals.is_not_null().to_numpy() if nulls else None
        if self.check is None:
            compiled = kernels.lookup_tagged(self.table.table.view(np.uint64),
                                             self.table.bits, h, check, given)
            if compiled is not None:  # the same, in one pass in C (runs too)
                return compiled
        if n > RUN_ROWS:
            head = np.empty(n, dtype=bool)
            head[0] = True
            np.not_equal(h[1:], h[:-1], out=head[1:])
            head[1:] |= check[1:] != check[:-1]
            if np.count_nonzero(head) < n // 2:
                at = np.flatnonzero(head)
                found = self._find(h[at], check[at], given[at] if given is not None else None)
                return found[np.cumsum(head) - 1]
        return self._find(h, check, given)

    def _find(self, h: npt.NDArray[np.uint64], check: npt.NDArray[np.uint64],
              given: npt.NDArray[np.bool_] | None) -> npt.NDArray[np.int32]:
        """Dense index of the ids with these two hashes, -1 where not an agent (or not
        ``given``: null)."""
        if self.check is None:
            pos = self.table.find_tagged(h, check)
            if given is not None:
                pos[~given] = -1
            return pos.astype(np.int32)
        pos = self.table.find(h)
        hit = pos >= 0
        cand = np.where(hit, pos, 0)
        hit &= self.check[cand] == check
        if given is not None:
            hit &= given
        return np.where(hit, cand, -1).astype(np.int32)

    def _join(self, vals: pl.Series) -> npt.NDArray[np.int32]:
        table = pl.DataFrame({"v": self.ids, "i": pl.int_range(0, self.ids.len(), eager=True,
                                                                  dtype=pl.Int32)})
        table = table.unique("v", keep="first", maintain_order=True)
        found = pl.DataFrame({"v": vals}).join(table, on="v", how="left",
                                               maintain_order="left")["i"]
        return found.fill_null(-1).to_numpy().astype(np.int32, copy=False)
