"""Per-batch work of the local engine: clean, derive the columns of docs/scans.md, and pack
each row's group key into one integer (grouping on two integer columns is far cheaper than
on eight)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit import kernels
from mlm_audit.io.coerce import view_chunks
from mlm_audit.scan.dim import LO, Dim
from mlm_audit.scan.facts import NULL_KIND, OTHER_KIND, ScanPlan
from mlm_audit.scan.ids import CHECK_SEED, SEED, id_hash
from mlm_audit.scan.partials import (
    BUY_KEY,
    IDX_SHIFT,
    PAY_KEY,
    SELL_KEY,
    Layout,
    Samples,
    sum_by_key,
    sum_by_pair,
)
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS, ROOT_MARKERS

DAY_US = 86_400 * 1_000_000
EPOCH_MK = 1970 * 12  # mk of January 1970
MAX_DAYS = 4000  # engineering bound on entry windows (the packed key holds 12 bits of days)
RETURN = ORDER_KINDS.index("return")
ORDER_CODE = {k: i for i, k in enumerate(ORDER_KINDS)}
PAYOUT_CODE = {k: i for i, k in enumerate(PAYOUT_KINDS)}
I32 = npt.NDArray[np.int32]
NO_AGENT_ROWS = 65_536  # engineering default: rows of no agent grouped by hash from this many


def _codes(kind: pl.Series, codes: dict[str, int]) -> npt.NDArray[np.int8]:
    """Kind codes, matching the spellings by two independent 64-bit hashes (as agent ids
    are matched): a few whole-column passes, no string comparison per row."""
    k = kind.cast(pl.String)
    compiled = _codes_compiled(k, codes)
    if compiled is not None:
        return compiled
    names = pl.Series(list(codes), dtype=pl.String)
    h, check = k.hash(SEED).to_numpy(), k.hash(CHECK_SEED).to_numpy()
    known, known_check = names.hash(SEED).to_numpy(), names.hash(CHECK_SEED).to_numpy()
    order = np.argsort(known)
    at = order[np.minimum(np.searchsorted(known[order], h), order.size - 1)]
    hit = (known[at] == h) & (known_check[at] == check)
    out = np.where(hit, np.array(list(codes.values()), dtype=np.int8)[at], np.int8(OTHER_KIND))
    if k.null_count():
        out[k.is_null().to_numpy()] = NULL_KIND
    return out


def _codes_compiled(k: pl.Series, codes: dict[str, int]) -> npt.NDArray[np.int8] | None:
    """:func:`_codes` by the compiled kernel, which compares each value's bytes with the
    names' (:func:`mlm_audit.kernels.codes_views`); None without it."""
    if kernels.library() is None:
        return None
    parts: list[npt.NDArray[np.int8]] = []
    chunks = view_chunks(k)
    if chunks is None:
        return None
    for chunk, views, data, _arr in chunks:
        out = kernels.codes_views(views, data, codes, OTHER_KIND)
        if out is None:
            return None
        if chunk.null_count():
            out[chunk.is_null().to_numpy()] = NULL_KIND
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int8)


def _month(ts: pl.Series) -> npt.NDArray[np.int32]:
    """``mk`` of each timestamp, -1 when null: looked up by day in a table of the months of
    the days the batch spans (datetime arithmetic once per day, not per row)."""
    t = ts.cast(pl.Datetime("us")).cast(pl.Int64)
    nulls = t.null_count()
    if nulls == t.len():
        return np.full(t.len(), -1, dtype=np.int32)
    us = (t.fill_null(0) if nulls else t).to_numpy()
    day = us // DAY_US
    lo, hi = int(day.min()), int(day.max())
    if hi - lo <= 400_000:
        days = np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]")
        mk = (days.astype("datetime64[M]").astype(np.int64) + EPOCH_MK).astype(np.int32)[day - lo]
    else:  # dates more than a thousand years apart
        mk = (us.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
              + EPOCH_MK).astype(np.int32)
    if nulls:
        mk[t.is_null().to_numpy()] = -1
    return mk


def orders(batch: pl.DataFrame, dim: Dim, plan: ScanPlan, samples: Samples) -> pl.DataFrame:
    """The orders of one batch with ``buyer_idx, seller_idx, kcode, mk, net, ext, jd`` and
    ``neg`` (a negative order other than a return: excluded from every fact)."""
    bi = dim.index.lookup(batch["buyer_id"])
    seller = dim.index.lookup(batch["seller_id"])
    b = batch.with_columns(pl.Series("buyer_idx", bi), pl.Series("seller_idx", seller))
    kcode = _codes(b["kind"], ORDER_CODE)
    neg = (b["amount"] < 0).fill_null(False).to_numpy() & (kcode != RETURN)
    samples.add_mask(("orders", "negative_amount", "amount"), b, neg)
    unknown = (seller < 0) & b["seller_id"].is_not_null().to_numpy()
    if unknown.any():  # only these need their spelling checked for a root marker
        at = np.flatnonzero(unknown)
        sid = b["seller_id"].gather(at)
        unknown[at] = ~sid.str.strip_chars().str.to_lowercase().is_in(ROOT_MARKERS).to_numpy()
        samples.add_mask(("orders", "unknown_agent", "seller_id"), b, unknown & ~neg)

    t = b["ordered_at"].cast(pl.Datetime("us")).cast(pl.Int64)
    undated = t.is_null().to_numpy()
    tt = t.fill_null(0).to_numpy()
    window = min(plan.max_days, MAX_DAYS)
    compiled = kernels.membership(bi, tt, undated, dim.joined, dim.ended, int(LO), window)
    if compiled is not None:  # the same columns in one pass in C
        ext, jd = compiled
    else:
        agent = bi >= 0
        at = np.where(agent, bi, 0)
        joined, ended = dim.joined[at], dim.ended[at]
        ext = ~(agent & (undated | ((joined <= tt) & (tt < ended))))
        known = agent & ~undated & (joined != LO)
        delta = np.where(known, tt - np.where(known, joined, 0), -1)
        days = (delta + DAY_US - 1) // DAY_US
        jd = np.where(known & (delta >= 0) & (days <= window), days, -1).astype(np.int16)
    net = b["amount"] - b["returned_amount"].fill_null(0)
    return pl.DataFrame({
        "order_id": b["order_id"], "buyer_idx": bi, "seller_idx": seller, "kcode": kcode,
        "mk": _month(b["ordered_at"]), "net": net.cast(pl.Int64), "ext": ext,
        "jd": jd, "neg": neg,
    })


Field = tuple[npt.NDArray[Any], int, int]  # values, shift, offset (1: -1, "none", is 0)


def pack(fields: list[Field]) -> npt.NDArray[np.uint64]:
    """``sum((values + offset) << shift)`` of non-overlapping fields in one word per row,
    built in two buffers (each step writes into them: no array per operation)."""
    n = len(fields[0][0])
    out = np.zeros(n, dtype=np.uint64)
    tmp = np.empty(n, dtype=np.uint64)
    for values, shift, offset in fields:
        np.copyto(tmp, values, casting="unsafe")
        if offset:
            tmp += np.uint64(offset)  # wraps -1 + 1 to 0 exactly
        if shift:
            tmp <<= np.uint64(shift)
        out |= tmp
    return out


def _key(cols: Mapping[str, npt.NDArray[Any]] | pl.DataFrame, layout: Layout
         ) -> npt.NDArray[np.uint64]:
    """The packed group key of ``layout`` (:mod:`mlm_audit.scan.partials`) from the derived
    columns (the kind is ``kcode`` here)."""
    def col(c: str) -> npt.NDArray[Any]:
        v = cols["kcode" if c == "kind" else c]
        return v.to_numpy() if isinstance(v, pl.Series) else v

    return pack([(col(c), shift, offset) for c, (shift, _bits, offset) in layout.items()])


def _part(idx: npt.NDArray[np.integer], rest: npt.NDArray[np.uint64], value: pl.Series,
          name: str, fold: bool) -> pl.DataFrame:
    """Partial sums per group, by one sort of the keys (:func:`sum_by_key`): cheaper than a
    hash table, most rows being groups of their own. With ``fold`` the agent goes into the
    top bits of the key (``k``): one integer column groups and sorts faster than two."""
    v = value.cast(pl.Int64).fill_null(0).to_numpy()
    if fold:
        rest |= pack([(idx, IDX_SHIFT, 1)])
        none = idx < 0
        if np.count_nonzero(none) >= NO_AGENT_ROWS:
            # rows of no agent (sales of the company itself) have few keys (months x kinds):
            # a hash group-by takes them at a fraction of the cost of sorting them; their
            # keys, agent field 0, sort before every agent's
            return pl.concat([_few_keys(rest[none], v[none], name),
                              sum_by_key(rest[~none], v[~none], None, name)])
        return sum_by_key(rest, v, None, name)
    return sum_by_pair(idx, rest, v, None, name)


def _few_keys(k: npt.NDArray[np.uint64], v: npt.NDArray[np.int64], name: str) -> pl.DataFrame:
    """:func:`sum_by_key` of keys known to be few, by a hash group-by."""
    g = (pl.DataFrame({"k": k, name: v}).group_by("k")
         .agg(pl.col(name).sum(), pl.len().cast(pl.Int64).alias("n")).sort("k"))
    return g.with_columns(g["k"].set_sorted())


def _kept(o: pl.DataFrame, keep: npt.NDArray[np.bool_], cols: tuple[str, ...]
          ) -> dict[str, npt.NDArray[Any]]:
    return {c: o[c].to_numpy()[keep] for c in cols}


def buys_part(o: pl.DataFrame) -> pl.DataFrame:
    b = _kept(o, (o["buyer_idx"].to_numpy() >= 0) & ~o["neg"].to_numpy(),
              ("buyer_idx", "mk", "kcode", "ext", "jd", "net"))
    rest = _key(b, BUY_KEY)
    return _part(b["buyer_idx"], rest, pl.Series(b["net"]), "net", True)


def sells_part(o: pl.DataFrame) -> pl.DataFrame:
    b = _kept(o, ~o["neg"].to_numpy(), ("seller_idx", "mk", "kcode", "ext", "net"))
    rest = _key(b, SELL_KEY)
    return _part(b["seller_idx"], rest, pl.Series(b["net"]), "net", True)


def order_records(o: pl.DataFrame) -> pl.DataFrame:
    """Every order row in the compact form the payout join needs, keyed by ``h``, the hash
    of its id (``neg``: excluded as a negative order, kept so repeated ids are seen)."""
    return o[["buyer_idx", "seller_idx", "kcode", "ext", "jd", "neg"]].with_columns(
        pl.Series("h", id_hash(o["order_id"])))  # columns taken as they are: no copy


def payout_records(batch: pl.DataFrame, dim: Dim, samples: Samples
                   ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One batch of payouts as compact records (``PAYOUT_RECORD``) with what needs no
    order: ``recipient_idx, source_idx, kcode, mk, g0`` (gen(recipient, source agent)),
    ``dsrc``, ``cross``, ``soh`` (hash of ``source_order_id``) and ``linked`` (it names
    one); and, in full, the rows of the cross-line payouts among them."""
    rec = dim.index.lookup(batch["recipient_id"])
    src = dim.index.lookup(batch["source_agent_id"])
    b = batch.with_columns(pl.Series("recipient_idx", rec), pl.Series("source_idx", src))
    samples.add_mask(("payouts", "negative_amount", "amount"), b,
                     (b["amount"] < 0).fill_null(False).to_numpy())
    samples.add_mask(("payouts", "unknown_agent", "recipient_id"), b, rec < 0)
    samples.add_mask(("payouts", "unknown_agent", "source_agent_id"), b,
                     b["source_agent_id"].is_not_null().to_numpy() & (src < 0))
    g0 = dim.gen(rec, src)
    cross = (rec >= 0) & (src >= 0) & (rec != src) & (g0 < 0)
    so = b["source_order_id"]
    records = pl.DataFrame({
        "recipient_idx": rec, "source_idx": src, "amount": b["amount"].rechunk(),
        "kcode": _codes(b["kind"], PAYOUT_CODE), "mk": _month(b["paid_at"]), "g0": g0,
        "dsrc": (src >= 0) & (src != rec), "cross": cross, "soh": id_hash(so),
        "linked": so.is_not_null().to_numpy()})
    if not cross.any():
        return records, b.clear()
    full = b.with_columns(records.drop("recipient_idx", "source_idx", "amount").get_columns())
    samples.add_mask(("payouts", "cross_line_payout", "source_agent_id"), full, cross)
    return records, full.filter(pl.Series(cross))


PAYOUT_RECORD = ("recipient_idx", "source_idx", "amount", "kcode", "mk", "g0", "dsrc", "cross",
                 "soh", "linked")


Source = tuple[npt.NDArray[np.int64], ...]  # buyer, seller, kind, ext, jd of source orders


def source(o: pl.DataFrame, pos: npt.NDArray[np.int64]) -> Source:
    """The columns of order records ``o`` at ``pos`` (-1: no source order)."""
    found = pos >= 0
    at = np.where(found, pos, 0)

    def col(c: str) -> npt.NDArray[np.int64]:
        return np.where(found, o[c].to_numpy()[at].astype(np.int64), -1)

    return col("buyer_idx"), col("seller_idx"), col("kcode"), col("ext"), col("jd")


def attributed(p: pl.DataFrame, dim: Dim, src: Source | None) -> pl.DataFrame:
    """Payout records (:func:`payout_records`) with what their source orders tell
    (``src``: the source order's columns per payout, from :func:`source`; None: no payout
    has one): ``gen``, ``src_kind``, ``src_ext``, ``sjd`` (docs/scans.md)."""
    rec = p["recipient_idx"].to_numpy()
    src_agent = p["source_idx"].to_numpy()
    none = np.full(p.height, -1, dtype=np.int64)
    ob, os_, ok, oe, oj = src if src is not None else (none,) * 5
    gen = p["g0"].to_numpy().copy()
    infer = np.flatnonzero((src_agent < 0) & ((os_ >= 0) | (ob >= 0)))
    if infer.size:
        g_sel = dim.gen(rec[infer], os_[infer].astype(np.int32))
        g_buy = dim.gen(rec[infer], ob[infer].astype(np.int32))
        gen[infer] = np.where(g_sel >= 0, g_sel, g_buy)
    gen = np.minimum(gen, (1 << 20) - 2)  # the packed key holds 20 bits of generations
    buyer_ok = (ob >= 0) & (ob != rec) & ((src_agent < 0) | (src_agent == ob))
    sjd = np.where(buyer_ok & (oe == 0) & (ok != RETURN) & (ok != NULL_KIND), oj, -1)
    return p.with_columns(
        pl.Series("gen", gen.astype(np.int32)), pl.Series("src_kind", ok.astype(np.int8)),
        pl.Series("src_ext", oe.astype(np.int8)), pl.Series("sjd", sjd.astype(np.int16)))


def pays_part(p: pl.DataFrame) -> pl.DataFrame:
    rest = _key(p, PAY_KEY)
    return _part(p["recipient_idx"].to_numpy(), rest, p["amount"], "amount", False)
