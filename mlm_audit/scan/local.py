"""The local scan engine: orders and payouts -> :class:`Facts` in bounded memory.

Input comes as batches (a whole in-memory table is one batch; files stream). Three passes:

1. ids only: 64-bit hashes of order and payout ids find the repeated ones, and the hashes
   of the orders payouts name as their source;
2. orders: each batch is cleaned, its columns derived (:mod:`mlm_audit.scan.derive`) and
   grouped into partial ``buys`` / ``sells``; the orders payouts name keep a compact record
   (buyer, seller, kind, ext, jd) for the next pass;
3. payouts: each batch is joined to those records by hash, attributed to a generation and
   grouped into partial ``pays``.

Partial groups are merged as they accumulate, so memory follows the number of agent-month
groups, not the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.scan import derive
from mlm_audit.scan.dim import Dim
from mlm_audit.scan.facts import Facts, ScanPlan
from mlm_audit.scan.ids import id_hash
from mlm_audit.scan.partials import Groups, Samples, TopRows
from mlm_audit.schema import ROW, empty

Batches = Callable[[Sequence[str] | None], Iterator[pl.DataFrame]]
U64 = npt.NDArray[np.uint64]


def frame_batches(df: pl.DataFrame | None, table: str, rows: int = 0) -> Batches:
    """A table held in memory as a batch source (``rows`` > 0 slices it: tests)."""
    frame = df if df is not None else empty(table)

    def batches(columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
        f = frame.select([*columns, ROW]) if columns else frame
        if rows <= 0 or f.height <= rows:
            yield f
            return
        for start in range(0, f.height, rows):
            yield f.slice(start, rows)

    return batches


def scan_frames(orders: pl.DataFrame | None, payouts: pl.DataFrame | None, dim: Dim,
                plan: ScanPlan, batch_rows: int = 0) -> Facts:
    """Scan tables held in memory."""
    return scan(frame_batches(orders, "orders", batch_rows),
                frame_batches(payouts, "payouts", batch_rows), dim, plan)


def scan(orders: Batches, payouts: Batches, dim: Dim, plan: ScanPlan,
         step: Callable[[str], None] | None = None) -> Facts:
    say = step or (lambda _s: None)
    say("scanning ids")
    pay_dups, wanted = _payout_ids(payouts)
    order_dups = _repeated(_hashes(orders, "order_id"))
    samples = Samples()
    say("scanning orders")
    buys, sells = Groups("net"), Groups("net")
    records: list[pl.DataFrame] = []
    kept_orders = 0
    seen: set[str] = set()
    for batch in orders(None):
        batch = _dedupe(batch, "order_id", order_dups, seen, samples, "orders")
        o = derive.orders(batch, dim, plan, samples)
        kept_orders += o.height
        buys.add(derive.buys_part(o))
        sells.add(derive.sells_part(o))
        if wanted.size:
            records.append(derive.order_records(o, wanted))
    lookup = derive.SourceOrders(records)
    del records
    say("scanning payouts")
    pays = Groups("amount")
    top = TopRows(plan.cross_top)
    kept_payouts = 0
    seen = set()
    for batch in payouts(None):
        batch = _dedupe(batch, "payout_id", pay_dups, seen, samples, "payouts")
        kept_payouts += batch.height
        p = derive.payouts(batch, dim, lookup, samples)
        top.add(p.filter(pl.col("cross")))
        pays.add(derive.pays_part(p))
    say("merging")
    return Facts(
        buys=derive.unpack_buys(buys.result()), sells=derive.unpack_sells(sells.result()),
        pays=derive.unpack_pays(pays.result()), orders=kept_orders, payouts=kept_payouts,
        samples=samples.result(), cross_top=top.result(), plan=plan,
    )


def _hashes(batches: Batches, col: str) -> U64:
    parts = [id_hash(b[col]) for b in batches([col]) if b.height]
    return np.concatenate(parts) if parts else np.zeros(0, np.uint64)


def _payout_ids(batches: Batches) -> tuple[U64, U64]:
    ids: list[U64] = []
    wanted: list[U64] = []
    for b in batches(["payout_id", "source_order_id"]):
        if b.height == 0:
            continue
        ids.append(id_hash(b["payout_id"]))
        src = b["source_order_id"].drop_nulls()
        if src.len():
            wanted.append(np.unique(id_hash(src)))
    all_ids = np.concatenate(ids) if ids else np.zeros(0, np.uint64)
    named = np.unique(np.concatenate(wanted)) if wanted else np.zeros(0, np.uint64)
    return _repeated(all_ids), named


def _repeated(h: U64) -> U64:
    """Sorted hashes that occur more than once."""
    if h.size < 2:
        return np.zeros(0, np.uint64)
    h.sort()
    dup = h[1:] == h[:-1]
    return np.unique(h[1:][dup]) if dup.any() else np.zeros(0, np.uint64)


def _dedupe(batch: pl.DataFrame, col: str, dups: U64, seen: set[str], samples: Samples,
            table: str) -> pl.DataFrame:
    """Drop later rows of a repeated id (the first row, in file order, is kept)."""
    if dups.size == 0 or batch.height == 0:
        return batch
    h = id_hash(batch[col])
    pos = np.minimum(np.searchsorted(dups, h), dups.size - 1)
    maybe = np.flatnonzero(dups[pos] == h)
    if maybe.size == 0:
        return batch
    keep = np.ones(batch.height, dtype=bool)
    for i, v in zip(maybe.tolist(), batch[col].gather(maybe).to_list(), strict=True):
        if v in seen:
            keep[i] = False
        else:
            seen.add(v)
    if keep.all():
        return batch
    mask = pl.Series(keep)
    samples.add((table, "duplicate_id", col), batch.filter(~mask))
    return batch.filter(mask)
