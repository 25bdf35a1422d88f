"""The compiled row loops (``_kernels.c``), when the package was built with them.

The library is compiled when the package is built (``hatch_build.py``) and loaded here with
ctypes, which releases the interpreter lock for each call: the scan's two passes run their
kernels side by side. It is used only when it was compiled from the ``_kernels.c`` beside
it (its SHA-256 is built in): an in-place build older than its source is not. Without it,
or with ``MLM_AUDIT_KERNELS=0`` in the environment, every caller takes its NumPy/polars
path, which gives the same results (tests/test_kernels.py holds each kernel to its twin).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "_kernels.c"
LIBRARY = HERE / "_kernels.so"
SWITCH = "MLM_AUDIT_KERNELS"  # "0": use the NumPy paths (for comparison and diagnosis)

_P = ctypes.c_void_p
_N = ctypes.c_int64


@functools.cache
def library() -> ctypes.CDLL | None:
    """The loaded library, or None (see :func:`status`)."""
    lib, _why = _load()
    return lib


def status() -> str:
    """Whether the compiled kernels are in use, and if not, why."""
    return _load()[1]


@functools.cache
def _load() -> tuple[ctypes.CDLL | None, str]:
    if os.environ.get(SWITCH, "1") == "0":
        return None, f"off ({SWITCH}=0)"
    if not LIBRARY.exists():
        return None, "not built (no C compiler when the package was installed)"
    try:
        lib = ctypes.CDLL(str(LIBRARY))
    except OSError as e:
        return None, f"cannot load {LIBRARY.name}: {e}"
    lib.mlm_kernels_source.restype = ctypes.c_char_p
    built = (lib.mlm_kernels_source() or b"").decode("ascii", "replace")
    if not SOURCE.exists() or built != hashlib.sha256(SOURCE.read_bytes()).hexdigest():
        return None, "built from another version of _kernels.c (reinstall to rebuild)"
    lib.mlm_probe.argtypes = [_P, ctypes.c_int, _P, _N, _P]
    lib.mlm_probe.restype = None
    lib.mlm_money_views.argtypes = [_P, _N, _P, _P]
    lib.mlm_money_views.restype = None
    lib.mlm_lookup_tagged.argtypes = [_P, ctypes.c_int, _P, _P, _P, _N, _P]
    lib.mlm_lookup_tagged.restype = None
    lib.mlm_gen.argtypes = [_P, _P, _P, _N, _P]
    lib.mlm_gen.restype = None
    lib.mlm_iso_views.argtypes = [_P, _P, _N, _N, _P, _P]
    lib.mlm_iso_views.restype = None
    lib.mlm_run_sums.argtypes = [_P, _P, _N, _P, _N, _P]
    lib.mlm_run_sums.restype = None
    lib.mlm_sum_by.argtypes = [_P, _P, _N, _N, _P]
    lib.mlm_sum_by.restype = ctypes.c_int64
    lib.mlm_mark_twice.argtypes = [_P, _N, _P, _P, ctypes.c_int]
    lib.mlm_mark_twice.restype = None
    lib.mlm_in_twice.argtypes = [_P, _N, _P, ctypes.c_int, _P]
    lib.mlm_in_twice.restype = _N
    lib.mlm_build.argtypes = [_P, _P, _N, ctypes.c_int, _P, _N]
    lib.mlm_build.restype = _N
    lib.mlm_levels.argtypes = [_P, _N, _P, _P, _P]
    lib.mlm_levels.restype = None
    lib.mlm_preorder.argtypes = [_P, _P, _P, _N, _P, _P, _P, _P]
    lib.mlm_preorder.restype = None
    lib.mlm_codes_views.argtypes = [_P, _P, _N, _N, _P, ctypes.c_int, _P, ctypes.c_int8, _P]
    lib.mlm_codes_views.restype = None
    lib.mlm_membership.argtypes = [_P, _P, _P, _N, _P, _P, _N, _N, _P, _P]
    lib.mlm_membership.restype = None
    lib.mlm_group_sums.argtypes = [_P, _N, ctypes.c_int, _P, _P, _P, _P, _P, _P]
    lib.mlm_group_sums.restype = _N
    lib.mlm_untrimmed_views.argtypes = [_P, _P, _N, _N, _P]
    lib.mlm_untrimmed_views.restype = _N
    return lib, "in use"


def _ptr(a: npt.NDArray[np.generic]) -> int:
    return int(a.ctypes.data)


def _addresses(buffers: list[int]) -> ctypes.Array[ctypes.c_void_p]:
    """The data buffers' addresses as the C array the view kernels take."""
    return (ctypes.c_void_p * max(len(buffers), 1))(*buffers)


def probe(table: npt.NDArray[np.uint64], bits: int, keys: npt.NDArray[np.uint64]
          ) -> npt.NDArray[np.uint64] | None:
    """:meth:`mlm_audit.scan.hashindex.HashIndex._search` in C: the value word of each key's
    slot (all ones: absent); None without the library. ``table``: the flat (key, value)
    words, C-contiguous."""
    lib = library()
    if lib is None:
        return None
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    out = np.empty(keys.size, dtype=np.uint64)
    lib.mlm_probe(_ptr(table), bits, _ptr(keys), keys.size, _ptr(out))
    return out


def money_views(views: npt.NDArray[np.uint8]
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]] | None:
    """Minor units of the clean amounts among Arrow string views (``n x 16`` bytes), and
    which rows were clean (see ``mlm_money_views``); None without the library."""
    lib = library()
    if lib is None:
        return None
    views = np.ascontiguousarray(views, dtype=np.uint8)
    n = views.size // 16
    cents = np.empty(n, dtype=np.int64)
    ok = np.empty(n, dtype=np.uint8)
    lib.mlm_money_views(_ptr(views), n, _ptr(cents), _ptr(ok))
    return cents, ok.view(np.bool_)


def lookup_tagged(table: npt.NDArray[np.uint64], bits: int, h: npt.NDArray[np.uint64],
                  check: npt.NDArray[np.uint64], given: npt.NDArray[np.bool_] | None
                  ) -> npt.NDArray[np.int32] | None:
    """:meth:`mlm_audit.scan.ids.AgentIndex.lookup` on a tagged table, given the two hashes
    of each id (and which ids are given, None: all): positions, -1 where not an agent;
    None without the library."""
    lib = library()
    if lib is None:
        return None
    h = np.ascontiguousarray(h, dtype=np.uint64)
    check = np.ascontiguousarray(check, dtype=np.uint64)
    flags = None if given is None else np.ascontiguousarray(given, dtype=np.bool_)
    out = np.empty(h.size, dtype=np.int32)
    lib.mlm_lookup_tagged(_ptr(table), bits, _ptr(h), _ptr(check),
                          None if flags is None else _ptr(flags), h.size, _ptr(out))
    return out


def gen(tree: npt.NDArray[np.int64], upper: npt.NDArray[np.integer],
        lower: npt.NDArray[np.integer]) -> npt.NDArray[np.int32] | None:
    """:meth:`mlm_audit.scan.dim.Dim.gen` on the packed tree (``pre``, then ``level << 40 |
    pre + size`` per agent, C-contiguous); None without the library."""
    lib = library()
    if lib is None:
        return None
    u = np.ascontiguousarray(upper, dtype=np.int32)
    v = np.ascontiguousarray(lower, dtype=np.int32)
    out = np.empty(u.size, dtype=np.int32)
    lib.mlm_gen(_ptr(tree), _ptr(u), _ptr(v), u.size, _ptr(out))
    return out


def iso_views(views: npt.NDArray[np.uint8], buffers: list[int]
              ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]] | None:
    """Microseconds of the ``YYYY-MM-DD hh:mm:ss`` values among Arrow string views (``n x
    16`` bytes; ``buffers``: addresses of the array's data buffers), and which rows were such
    values (see ``mlm_iso_views``); None without the library."""
    lib = library()
    if lib is None:
        return None
    views = np.ascontiguousarray(views, dtype=np.uint8)
    n = views.size // 16
    addresses = _addresses(buffers)
    us = np.empty(n, dtype=np.int64)
    ok = np.empty(n, dtype=np.uint8)
    lib.mlm_iso_views(_ptr(views), addresses, len(buffers), n, _ptr(us), _ptr(ok))
    return us, ok.view(np.bool_)


def run_sums(values: npt.NDArray[np.integer], starts: npt.NDArray[np.int64],
             where: npt.NDArray[np.bool_] | None = None,
             out: npt.NDArray[np.int64] | None = None) -> npt.NDArray[np.int64] | None:
    """``np.add.reduceat(values * where, starts)`` in int64 (``where`` None: every row), into
    ``out`` if given; None without the library."""
    lib = library()
    if lib is None:
        return None
    v = np.ascontiguousarray(values, dtype=np.int64)
    s = np.ascontiguousarray(starts, dtype=np.int64)
    w = None if where is None else np.ascontiguousarray(where, dtype=np.bool_)
    if out is None or out.dtype != np.int64 or not out.flags.c_contiguous:
        target = np.empty(s.size, dtype=np.int64)
    else:
        target = out
    lib.mlm_run_sums(_ptr(v), None if w is None else _ptr(w), v.size, _ptr(s), s.size,
                     _ptr(target))
    if out is not None and target is not out:
        out[...] = target
        return out
    return target


def sum_by(key: npt.NDArray[np.integer], values: npt.NDArray[np.integer], size: int
           ) -> npt.NDArray[np.int64] | None:
    """Exact int64 sums of ``values`` per ``key`` in 0..size-1 (negative keys dropped);
    None without the library, or when a key is ``size`` or more."""
    lib = library()
    if lib is None or np.size(key) != np.size(values):
        return None
    k = np.ascontiguousarray(key, dtype=np.int64)
    v = np.ascontiguousarray(values, dtype=np.int64)
    out = np.zeros(size, dtype=np.int64)
    if lib.mlm_sum_by(_ptr(k), _ptr(v), k.size, size, _ptr(out)):
        return None
    return out


def repeat_candidates(columns: list[npt.NDArray[np.uint64]]) -> npt.NDArray[np.uint64] | None:
    """Every occurrence of every key that occurs more than once among ``columns``, with
    some keys that occur once (those sharing a bucket with another key: at most about 1 in
    8 of them), in no particular order; None without the library. Each key marks a bucket
    of two bitmaps of 8 to 16 bits per key (2 to 4 bytes per key in all, against the keys'
    own 8): a bucket marked twice holds a repeated key or a chance meeting of two."""
    lib = library()
    if lib is None:
        return None
    cols = [np.ascontiguousarray(c, dtype=np.uint64) for c in columns]
    total = sum(c.size for c in cols)
    bits = max(12, int(8 * total - 1).bit_length())  # buckets: 2^bits >= 8 per key
    once = np.zeros(1 << (bits - 6), dtype=np.uint64)
    twice = np.zeros_like(once)
    for c in cols:
        lib.mlm_mark_twice(_ptr(c), c.size, _ptr(once), _ptr(twice), 64 - bits)
    del once
    found = []
    for c in cols:
        out = np.empty(c.size, dtype=np.uint64)
        count = lib.mlm_in_twice(_ptr(c), c.size, _ptr(twice), 64 - bits, _ptr(out))
        found.append(out[:count].copy() if count < c.size // 2 else out[:count])
    return np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)


SPARE_SLOTS = 64  # engineering default: slots past 2^bits a cluster may run into


def build_table(keys: npt.NDArray[np.uint64], tags: npt.NDArray[np.uint64] | None, bits: int
                ) -> npt.NDArray[np.uint64] | None:
    """The flat (key, value) words of :class:`mlm_audit.scan.hashindex.HashIndex`'s table,
    built by inserting the keys in order (see ``mlm_build``), ending in an empty slot;
    None without the library or when a cluster runs past the spare slots."""
    lib = library()
    if lib is None:
        return None
    k = np.ascontiguousarray(keys, dtype=np.uint64)
    t = None if tags is None else np.ascontiguousarray(tags, dtype=np.uint64) & np.uint64(
        0xFFFF_FFFF)
    size = (1 << bits) + SPARE_SLOTS
    flat = np.empty(2 * size, dtype=np.uint64)
    flat[1::2] = np.uint64(np.iinfo(np.uint64).max)
    last = lib.mlm_build(_ptr(k), None if t is None else _ptr(t), k.size, bits, _ptr(flat),
                         size)
    if last < 0:
        return None
    end = max(1 << bits, last + 1) + 1  # as the sorting build sizes it: one empty slot on
    return flat[: 2 * end]


def levels(parent: npt.NDArray[np.int32]) -> npt.NDArray[np.int32] | None:
    """:func:`mlm_audit.metrics.tree.levels`' levels (0: unrooted); None without the
    library."""
    lib = library()
    if lib is None:
        return None
    p = np.ascontiguousarray(parent, dtype=np.int32)
    level = np.empty(p.size, dtype=np.int32)
    stack = np.empty(p.size, dtype=np.int32)
    onwalk = np.zeros(p.size, dtype=np.uint8)
    lib.mlm_levels(_ptr(p), p.size, _ptr(level), _ptr(stack), _ptr(onwalk))
    return level


def preorder(parent: npt.NDArray[np.int32], level: npt.NDArray[np.int32],
             size: npt.NDArray[np.integer]) -> npt.NDArray[np.int64] | None:
    """:func:`mlm_audit.metrics.tree.preorder`; None without the library."""
    lib = library()
    if lib is None:
        return None
    p = np.ascontiguousarray(parent, dtype=np.int32)
    lv = np.ascontiguousarray(level, dtype=np.int32)
    sz = np.ascontiguousarray(size, dtype=np.int64)
    pre = np.empty(p.size, dtype=np.int64)
    acc = np.empty(p.size, dtype=np.int64)
    offset = np.empty(p.size, dtype=np.int64)
    stack = np.empty(p.size, dtype=np.int32)
    lib.mlm_preorder(_ptr(p), _ptr(lv), _ptr(sz), p.size, _ptr(pre), _ptr(acc), _ptr(offset),
                     _ptr(stack))
    return pre


NAME_BYTES = 60  # the longest name codes_views matches (its slots are 64 bytes)


def codes_views(views: npt.NDArray[np.uint8], buffers: list[int], names: dict[str, int],
                other: int) -> npt.NDArray[np.int8] | None:
    """The code (``names[value]``) of each value among Arrow string views, ``other`` where
    it is none of the names (nulls too: the caller sets theirs); None without the library
    or when a name is longer than :data:`NAME_BYTES` bytes."""
    lib = library()
    encoded = [k.encode("utf-8") for k in names]
    if lib is None or any(len(e) > NAME_BYTES for e in encoded):
        return None
    table = np.zeros((max(len(encoded), 1), 64), dtype=np.uint8)
    for j, e in enumerate(encoded):
        table[j, :4] = np.frombuffer(np.uint32(len(e)).tobytes(), dtype=np.uint8)
        table[j, 4:4 + len(e)] = np.frombuffer(e, dtype=np.uint8)
    codes = np.array(list(names.values()) or [0], dtype=np.int8)
    views = np.ascontiguousarray(views, dtype=np.uint8)
    n = views.size // 16
    addresses = _addresses(buffers)
    out = np.empty(n, dtype=np.int8)
    lib.mlm_codes_views(_ptr(views), addresses, len(buffers), n, _ptr(table), len(encoded),
                        _ptr(codes), other, _ptr(out))
    return out


def membership(buyer: npt.NDArray[np.int32], at: npt.NDArray[np.int64],
               undated: npt.NDArray[np.bool_], joined: npt.NDArray[np.int64],
               ended: npt.NDArray[np.int64], lo: int, max_days: int
               ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int16]] | None:
    """``ext`` and ``jd`` of :func:`mlm_audit.scan.derive.orders` (see ``mlm_membership``);
    None without the library or for a window past 32767 days."""
    lib = library()
    if lib is None or max_days > np.iinfo(np.int16).max:
        return None
    b = np.ascontiguousarray(buyer, dtype=np.int32)
    t = np.ascontiguousarray(at, dtype=np.int64)
    u = np.ascontiguousarray(undated, dtype=np.bool_)
    joined = np.ascontiguousarray(joined, dtype=np.int64)
    ended = np.ascontiguousarray(ended, dtype=np.int64)
    ext = np.empty(b.size, dtype=np.bool_)
    jd = np.empty(b.size, dtype=np.int16)
    lib.mlm_membership(_ptr(b), _ptr(t), _ptr(u), b.size, _ptr(joined), _ptr(ended), lo,
                       max_days, _ptr(ext), _ptr(jd))
    return ext, jd


def group_sums(words: npt.NDArray[np.uint64], row_bits: int, keys: npt.NDArray[np.uint64],
               values: npt.NDArray[np.integer], counts: npt.NDArray[np.integer] | None
               ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64],
                          npt.NDArray[np.int64]] | None:
    """Per run of equal keys in the sorted packed ``words`` (key above ``row_bits`` bits of
    row number): the rows' original key, the sum of ``values`` and of ``counts`` (None: the
    rows), in order (see ``mlm_group_sums``); None without the library."""
    lib = library()
    if lib is None:
        return None
    w = np.ascontiguousarray(words, dtype=np.uint64)
    k = np.ascontiguousarray(keys, dtype=np.uint64)
    v = np.ascontiguousarray(values, dtype=np.int64)
    c = None if counts is None else np.ascontiguousarray(counts, dtype=np.int64)
    out_k = np.empty(w.size, dtype=np.uint64)
    out_v = np.empty(w.size, dtype=np.int64)
    out_n = np.empty(w.size, dtype=np.int64)
    g = lib.mlm_group_sums(_ptr(w), w.size, row_bits, _ptr(k), _ptr(v),
                           None if c is None else _ptr(c), _ptr(out_k), _ptr(out_v),
                           _ptr(out_n))
    return out_k[:g], out_v[:g], out_n[:g]


def untrimmed_views(views: npt.NDArray[np.uint8], buffers: list[int],
                    valid: npt.NDArray[np.bool_] | None) -> int | None:
    """The first row among Arrow string views whose value may start or end with whitespace
    (see ``mlm_untrimmed_views``), -1 when none does; None without the library."""
    lib = library()
    if lib is None:
        return None
    views = np.ascontiguousarray(views, dtype=np.uint8)
    flags = None if valid is None else np.ascontiguousarray(valid, dtype=np.bool_)
    addresses = _addresses(buffers)
    return int(lib.mlm_untrimmed_views(_ptr(views), addresses, len(buffers), views.size // 16,
                                       None if flags is None else _ptr(flags)))
