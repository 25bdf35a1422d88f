"""Sorting integer words, and small keys together with their row numbers in one word each.

:func:`sort_words` sorts a 1-D integer array with numpy's sort or polars', whichever is
faster on this processor (:func:`numpy_sorts_fast`, measured once per process). numpy
sorts with x86-simd-sort where the processor has AVX-512; its partition step stores
through a masked compress to memory, which AMD Zen 4 runs in microcode (well over 100
cycles a store): there numpy sorts a million 64-bit words in about 50 ms, the same words
with AVX-512 switched off (``NPY_DISABLE_CPU_FEATURES``) in 12 ms, and polars in 14 ms on
one thread. Where the compress store is fast (Intel's AVX-512 processors), numpy's sort is
the faster one. Both sort the same: the choice changes the time, never the result.
numpy's partition takes the same path, so selections follow the same choice
(:func:`numpy_for`).

:func:`packed_sort`: a plain word sorts several times faster than an argsort of the same
keys. When a key needs few bits, it shares a word with its row number (below it), and one
sort of the words gives both the sorted keys and the order; equal keys keep their rows in
order, so the order is stable.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt
import polars as pl

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
A = TypeVar("A", bound=npt.NDArray[np.integer])
SMALL = 4096  # engineering default: shorter arrays go to numpy (no series to build)
PROBE_WORDS = 1 << 14  # engineering default: words sorted by each library to choose one


def numpy_for(size: int) -> bool:
    """True when numpy should sort or select among ``size`` values here: small arrays (no
    series to build), or a processor where numpy sorts fast."""
    return size <= SMALL or numpy_sorts_fast()


def sort_words(a: A, in_place: bool = False) -> A:
    """``np.sort(a)`` of a 1-D integer array, as a new array (read-only when polars sorts
    it: polars' buffer). ``in_place``: the caller no longer needs ``a``, which numpy then
    sorts where it lies (``a`` itself is returned) instead of copying it first."""
    if numpy_for(a.size):
        if in_place:
            a.sort()
            return a
        return cast(A, np.sort(a))
    return cast(A, pl.Series(a).sort(multithreaded=False).to_numpy())


@functools.cache
def numpy_sorts_fast() -> bool:
    """True when numpy sorts 64-bit words faster than polars on this processor: each sorts
    the same random words, best of three (a few milliseconds, once per process). Where the
    two are close, either choice is sound."""
    words = np.random.default_rng(0).integers(0, 1 << 62, PROBE_WORDS, dtype=np.uint64)
    series = pl.Series(words)

    def best(sort: Callable[[], object]) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            sort()
            times.append(time.perf_counter() - t0)
        return min(times)

    return best(lambda: np.sort(words)) < best(lambda: series.sort(multithreaded=False))


def packed_sort(keys: npt.NDArray[np.unsignedinteger], key_bits: int, copy: bool = True
                ) -> tuple[I64, U64] | None:
    """(order, sorted keys) of ``keys``, each below ``2**key_bits``; None when a key and a
    row number do not fit one word together. ``copy=False`` packs the words in the caller's
    uint64 array and leaves the sorted keys there (its contents are then the sorted keys,
    which are returned)."""
    got = packed_words(keys, key_bits, copy)
    if got is None:
        return None
    ordered, row_bits, words = got  # words: the packing buffer, where the sorted keys go
    order = (ordered & np.uint64((1 << row_bits) - 1)).view(np.int64)
    np.right_shift(ordered, np.uint64(row_bits), out=words)
    return order, words


def packed_words(keys: npt.NDArray[np.unsignedinteger], key_bits: int, copy: bool = True
                 ) -> tuple[U64, int, U64] | None:
    """The words ``key << row_bits | row`` sorted (read-only when polars sorted them),
    ``row_bits``, and the buffer the words were packed in (the caller's uint64 array with
    ``copy=False``; numpy sorts them there); None when a key and a row number do not fit
    one word."""
    n = keys.size
    row_bits = max(n - 1, 1).bit_length()
    if key_bits + row_bits > 64:
        return None
    words = keys.astype(np.uint64, copy=copy)
    words <<= np.uint64(row_bits)
    words |= np.arange(n, dtype=np.uint64)
    return sort_words(words, in_place=True), row_bits, words  # words: its own or given
