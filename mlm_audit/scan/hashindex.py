"""A hash table over 64-bit keys, built and probed with whole-array operations.

Open addressing with linear probing at a load of at most one half: a lookup costs one or two
random reads, where a binary search over millions of sorted keys costs twenty. Used for id
lookups in every batch of a scan.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
_MIX = np.uint64(0x9E3779B97F4A7C15)


class HashIndex:
    """Position of each key in the array it was built from; the first position wins when
    a key repeats."""

    def __init__(self, keys: U64) -> None:
        keys = np.ascontiguousarray(keys, dtype=np.uint64)
        self.bits = max(4, int(2 * keys.size).bit_length())
        cap = 1 << self.bits
        self.mask = np.int64(cap - 1)
        self.key = np.zeros(cap, dtype=np.uint64)
        self.val = np.full(cap, -1, dtype=np.int64)
        pending = np.arange(keys.size, dtype=np.int64)
        slot = self._home(keys)
        while pending.size:
            s = slot[pending]
            free = self.val[s] < 0
            # among the keys probing a free slot, the first (lowest position) takes it
            taken_slots, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            self.key[taken_slots] = keys[winners]
            self.val[taken_slots] = winners
            placed = np.zeros(pending.size, dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            pending = pending[~placed]
            slot[pending] = (slot[pending] + 1) & self.mask

    def _home(self, keys: U64) -> I64:
        with np.errstate(over="ignore"):
            mixed = keys * _MIX
        return (mixed >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, keys: U64) -> I64:
        """Position of each key, -1 when absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        out = np.full(keys.size, -1, dtype=np.int64)
        pending = np.arange(keys.size, dtype=np.int64)
        slot = self._home(keys)
        while pending.size:
            v = self.val[slot]
            hit = (v >= 0) & (self.key[slot] == keys[pending])
            out[pending[hit]] = v[hit]
            more = (v >= 0) & ~hit
            pending, slot = pending[more], (slot[more] + 1) & self.mask
        return out
