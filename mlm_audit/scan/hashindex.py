"""A hash table over 64-bit keys, built and probed with whole-array operations.

Open addressing with linear probing at a load of at most one half, and at most a quarter
while the table takes no more than 64 MiB (a million keys): a lookup costs one or two random
reads, where a binary search over millions of sorted keys costs twenty. At the lower load
the first probe finds 86% of the keys instead of 67%, and each further round of probes is a
pass over the keys still searched for (a million lookups: 20 ms instead of 43). Used for id
lookups in every batch of a scan.

The table is built by one sort: keys ordered by home slot (then by position) take the slots
``max(home, previous slot + 1)``, a running maximum, which is exactly where inserting them
one by one with linear probing would put them. Probes run forward without wrapping (the
table has room after its last key and ends in an empty slot). A key that repeats is stored
at each position, the first position in the earlier slot, so the first position wins. Each
slot holds its key and value side by side (one random read per probe). With the compiled
kernels (:mod:`mlm_audit.kernels`) the keys are inserted one by one in order of position
instead: some sit in other slots of their cluster, but the filled slots are the same (with
linear probing they do not depend on the order of insertion), so every search finds what it
finds in the sorted build; of a repeated key, the first position is inserted first and lies
earlier on the probe path.

Built with ``tags`` (32-bit values, one per key; fewer than 2^32 - 1 keys), each slot's value
word holds the tag in its upper half beside the position: :meth:`HashIndex.find_tagged`
confirms a hit against the caller's tag from the slot it has read anyway, where a separate
array of tags would cost a second random read per lookup.

Built ``sparse`` (for probes that mostly miss, such as every order probing the few that
are source orders), it also keeps a bitmap of 16 bits per key, set by the top bits of each
key: a probe whose bit is clear is absent, found with one read of a bitmap small enough to
stay in cache; only the others (present, or about 1 in 16 of the absent) search the table.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mlm_audit import kernels
from mlm_audit.packsort import packed_sort

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
_MIX = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.uint64(np.iinfo(np.uint64).max)  # value of an empty slot
_HALF = np.uint64(32)
_LOW = np.uint64(0xFFFF_FFFF)
TAGGED_KEYS = (1 << 32) - 1  # a tagged slot keeps the position in 32 bits (all ones: empty)
ROOMY_BYTES = 64 << 20  # engineering default: tables up to this size get the lower load


class HashIndex:
    """Position of each key in the array it was built from; the first position wins when
    a key repeats."""

    def __init__(self, keys: U64, sparse: bool = False, tags: U64 | None = None) -> None:
        keys = np.ascontiguousarray(keys, dtype=np.uint64)
        n = keys.size
        if tags is not None and n >= TAGGED_KEYS:
            raise ValueError(f"a tagged table holds fewer than {TAGGED_KEYS} keys")
        self.tagged = tags is not None
        self.seen: npt.NDArray[np.uint8] | None = None
        if sparse:
            self.seen_bits = max(6, int(16 * n).bit_length())
            flags = np.zeros(1 << self.seen_bits, dtype=bool)  # one byte a bit, then packed
            flags[(keys >> np.uint64(64 - self.seen_bits)).astype(np.int64)] = True
            self.seen = np.packbits(flags, bitorder="little")  # bit b: byte b >> 3, bit b & 7
            del flags
        self.bits = max(4, int(2 * n).bit_length())
        if 16 << (self.bits + 1) <= ROOMY_BYTES:  # 16 bytes a slot
            self.bits += 1
        built = kernels.build_table(keys, tags, self.bits) if n else None
        if built is not None:  # inserted one by one in C: the same lookups, other slots
            self.table = built.view(np.complex128)
            return
        home = self._home(keys)
        packed = packed_sort(home.view(np.uint64), self.bits, copy=False)  # (home, position)
        if packed is not None:
            pos, sorted_home = packed
            slot = sorted_home.view(np.int64)
        else:
            pos = np.argsort(home, kind="stable")
            slot = home[pos]
        ar = np.arange(n, dtype=np.int64)
        slot -= ar
        np.maximum.accumulate(slot, out=slot)
        slot += ar
        del ar
        size = max(1 << self.bits, int(slot[-1]) + 1 if n else 0) + 1
        flat = np.empty(2 * size, dtype=np.uint64)
        flat[1::2] = _EMPTY
        slot *= 2
        flat[slot] = keys[pos]
        value = pos.view(np.uint64)
        if tags is not None:
            value = value | (np.asarray(tags, dtype=np.uint64)[pos] << _HALF)
        flat[slot + 1] = value
        self.table = flat.view(np.complex128)  # (key, value) per slot, taken together

    def _home(self, keys: U64) -> I64:
        with np.errstate(over="ignore"):
            mixed = np.multiply(keys, _MIX)
        mixed >>= np.uint64(64 - self.bits)  # below 2^63: the same words as int64
        return mixed.view(np.int64)

    def _slots(self, slot: I64) -> tuple[U64, U64]:
        kv = np.take(self.table, slot).view(np.uint64)
        return kv[0::2], kv[1::2]

    def find(self, keys: U64) -> I64:
        """Position of each key, -1 when absent."""
        out = self._find(keys)
        if self.tagged:
            np.bitwise_and(out, np.int64(TAGGED_KEYS), out=out, where=out != -1)
        return out

    def find_tagged(self, keys: U64, tags: U64) -> I64:
        """Position of each key whose stored tag equals its entry in ``tags`` (only the low
        32 bits of a tag are kept), -1 when absent or the tags differ."""
        if not self.tagged:
            raise ValueError("the table was built without tags")
        raw = self._find(keys).view(np.uint64)
        ok = (raw >> _HALF) == (np.asarray(tags, dtype=np.uint64) & _LOW)
        ok &= raw != _EMPTY  # an absent key's word is all ones, whatever its tag
        return np.where(ok, (raw & _LOW).view(np.int64), -1)

    def _find(self, keys: U64) -> I64:
        """The value word of each key's slot (position, and tag when tagged), -1 when
        absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        if self.seen is not None:
            bit = keys >> np.uint64(64 - self.seen_bits)
            maybe = np.flatnonzero((self.seen[bit >> np.uint64(3)] >> (bit & np.uint64(7)))
                                   .astype(bool))
            out = np.full(keys.size, -1, dtype=np.int64)
            out[maybe] = self._search(keys[maybe])
            return out
        return self._search(keys)

    def _search(self, keys: U64) -> I64:
        compiled = kernels.probe(self.table.view(np.uint64), self.bits, keys)
        if compiled is not None:  # the same search, one key after another in C
            return compiled.view(np.int64)
        slot = self._home(keys)
        k, v = self._slots(slot)
        full = v != _EMPTY
        hit = full & (k == keys)
        out = np.where(hit, v.view(np.int64), -1)
        pending = np.flatnonzero(full & ~hit)
        slot = slot[pending] + 1
        while pending.size:
            k, v = self._slots(slot)
            full = v != _EMPTY
            hit = full & (k == keys[pending])
            out[pending[hit]] = v[hit].view(np.int64)
            more = full & ~hit
            pending, slot = pending[more], slot[more] + 1
        return out
