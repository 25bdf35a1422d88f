"""The local scan engine: orders and payouts -> :class:`Facts` in bounded memory.

Input comes as batches (a table in memory is one batch; files stream). Three passes; the
first two are independent and run side by side, payouts in a second thread:

1. **payouts**: each batch is cleaned and derived as far as it can be without orders
   (recipient, source agent, generation, cross-line, samples); payouts that name no source
   order are grouped into partial ``pays`` at once, a compact record of the others is
   spilled, partitioned by the hash of its source order id;
2. **orders**: each batch is cleaned, derived and grouped into partial ``buys`` and
   ``sells``; a compact record of each order is spilled, partitioned by the hash of its id;
3. **join**: partition by partition, the distinct source order ids of the payout records go
   into a hash table, the order records of the same partition are probed against it (the
   first kept order of each id is the source), and the payouts are grouped into ``pays``.

The two passes seldom end together: the one that ends first starts the work that needs only
its own output. When the payout records stay in memory as one partition, the payouts'
thread builds the join's hash table of source order ids at once; when the order facts stay
in memory, their merge starts in a worker as soon as the orders are scanned.

Spills and partial groups stay in memory within one byte budget per scan
(:data:`mlm_audit.scan.spill.MEMORY_BYTES`) and are then read as one partition; beyond it
they go to disk (docs/scans.md). Repeated ids are found from the spilled hashes after a
pass; only then (dirty data) is the pass run again, keeping the first row of each id. Memory
follows the number of agent-month groups, the budget and one partition, not the number of
rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.packsort import sort_words
from mlm_audit.scan import derive
from mlm_audit.scan import spill as spills
from mlm_audit.scan.dim import Dim
from mlm_audit.scan.facts import Facts, ScanPlan
from mlm_audit.scan.hashindex import HashIndex
from mlm_audit.scan.ids import id_hash
from mlm_audit.scan.partials import Groups, Samples, TopRows, unpack_buys, unpack_pays, unpack_sells
from mlm_audit.scan.spill import Budget, Spill, align, partition_bits, repeated
from mlm_audit.schema import ROW, empty

Batches = Callable[[Sequence[str] | None], Iterator[pl.DataFrame]]
U64 = npt.NDArray[np.uint64]
NONE = np.zeros(0, np.uint64)
JOIN_ROWS = 4_000_000  # engineering default: payout records joined in one piece at most


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
                plan: ScanPlan, batch_rows: int = 0, bits: int | None = None) -> Facts:
    """Scan tables held in memory."""
    hint = max(orders.height if orders is not None else 0,
               payouts.height if payouts is not None else 0)
    return scan(frame_batches(orders, "orders", batch_rows),
                frame_batches(payouts, "payouts", batch_rows), dim, plan, None,
                partition_bits(hint) if bits is None else bits)


@dataclass
class _SourceTable:
    """The payout side of the join of one partition: its records, the distinct source
    order id hashes in a hash table, and each record's place among them."""

    records: pl.DataFrame
    ids: U64
    table: HashIndex
    inverse: npt.NDArray[np.int64]

    @classmethod
    def of(cls, records: pl.DataFrame) -> _SourceTable:
        soh = records["soh"].to_numpy()
        ids = _distinct(soh)
        table = HashIndex(ids, sparse=True)
        return cls(records, ids, table, table.find(soh))  # every record's id is among them


@dataclass
class _PayoutPass:
    records: Spill  # compact payouts that name a source order, by its hash
    pays: Groups  # partial pays (payouts without a source order, at first)
    ids: Spill  # payout id hashes
    samples: Samples
    top: TopRows
    kept: int
    early: _SourceTable | None = None  # the join's table, built as the pass ended

    def join_early(self) -> None:
        """Build the join's source table now if the records will be joined as one
        partition in memory (the orders' thread may still be scanning)."""
        self.records.close()
        if self.records.in_memory and 0 < self.records.rows <= JOIN_ROWS:
            records = self.records.read(0)
            self.early = _SourceTable.of(records) if records is not None else None

    def discard(self) -> None:
        for s in (self.records, self.ids):
            s.cleanup()
        self.pays.cleanup()


@dataclass
class _OrderPass:
    records: Spill  # compact orders by id hash
    buys: Groups
    sells: Groups
    samples: Samples
    kept: int

    def discard(self) -> None:
        self.records.cleanup()
        for g in (self.buys, self.sells):
            g.cleanup()


def scan(orders: Batches, payouts: Batches, dim: Dim, plan: ScanPlan,
         step: Callable[[str], None] | None = None, bits: int = 0) -> Facts:
    say = step or (lambda _s: None)
    budget = Budget(spills.MEMORY_BYTES)
    stop = threading.Event()  # set when either pass fails: the other stops at its next batch

    def payout_pass() -> _PayoutPass:
        try:
            out = _clean("payouts", lambda d: _payouts(payouts, dim, plan, bits, d, budget,
                                                       stop), lambda r: r.ids, say)
            out.join_early()
            return out
        except BaseException:
            stop.set()
            raise

    # the two passes are independent until the join: payouts run in a second thread, and
    # the order facts are merged in a worker (beside the join, which needs only the order
    # records): at once if they stay in memory, else once the payouts are done (a merge of
    # spilled facts beside a pass would hold both in memory)
    with ThreadPoolExecutor(2, thread_name_prefix="mlm-audit-payouts") as pool:
        pending = pool.submit(payout_pass)
        try:
            order = _clean("orders", lambda d: _orders(orders, dim, plan, bits, d, budget,
                                                       stop), lambda r: r.records, say)
        except _Stopped:
            order = None  # the payout pass failed: its error is raised below
        except BaseException:
            stop.set()
            raise
        merges: list[Future[pl.DataFrame]] = []
        if order is not None and all(g.in_memory for g in (order.buys, order.sells)):
            merges = _merge_orders(pool, order)
        pay = pending.result()
        assert order is not None
        buys, sells = merges or _merge_orders(pool, order)
        say("joining payouts to their source orders")
        pays = _join(pay, order, dim)
        say("merging")
        paid = unpack_pays(pays.result())
        samples = order.samples.result() | pay.samples.result()
        return Facts(
            buys=buys.result(), sells=sells.result(), pays=paid, orders=order.kept,
            payouts=pay.kept, samples=dict(sorted(samples.items())),
            cross_top=pay.top.result(), plan=plan)


def _merge_orders(pool: ThreadPoolExecutor, order: _OrderPass) -> list[Future[pl.DataFrame]]:
    """The merges of the order facts, started in ``pool``: buys, then sells."""
    return [pool.submit(lambda g: unpack_buys(g.result()), order.buys),
            pool.submit(lambda g: unpack_sells(g.result()), order.sells)]


class _Stopped(Exception):
    """The other pass failed."""


def _batches(batches: Batches, stop: threading.Event) -> Iterator[pl.DataFrame]:
    for batch in batches(None):
        if stop.is_set():
            raise _Stopped
        yield batch


P = TypeVar("P", "_PayoutPass", "_OrderPass")


def _clean(what: str, run: Callable[[U64], P], ids: Callable[[P], Spill],
           say: Callable[[str], None]) -> P:
    """One pass; a second one, keeping the first row of each id, only if ids repeat."""
    say(f"scanning {what}")
    out = run(NONE)
    dups = repeated(ids(out), "h")
    if dups.size:
        say(f"scanning {what} again without repeated ids")
        out.discard()
        out = run(dups)
    return out


def _payouts(batches: Batches, dim: Dim, plan: ScanPlan, bits: int, dups: U64,
             budget: Budget, stop: threading.Event) -> _PayoutPass:
    out = _PayoutPass(Spill("soh", bits, budget=budget),
                      Groups("amount", ("idx", "rest"), bits, dim.n, budget),
                      Spill("h", bits, budget=budget), Samples(), TopRows(plan.cross_top), 0)
    seen: set[str] = set()
    for batch in _batches(batches, stop):
        out.ids.add(pl.DataFrame({"h": id_hash(batch["payout_id"])}))
        batch = _dedupe(batch, "payout_id", dups, seen, out.samples, "payouts")
        out.kept += batch.height
        rec, cross = derive.payout_records(batch, dim, out.samples)
        out.top.add(cross)
        linked = rec["linked"]
        out.records.add(rec.filter(linked))
        unlinked = rec.filter(~linked)
        if unlinked.height:
            out.pays.add(derive.pays_part(derive.attributed(unlinked, dim, None)))
    return out


def _orders(batches: Batches, dim: Dim, plan: ScanPlan, bits: int, dups: U64,
            budget: Budget, stop: threading.Event) -> _OrderPass:
    out = _OrderPass(Spill("h", bits, budget=budget),
                     Groups("net", ("k",), bits, dim.n, budget),
                     Groups("net", ("k",), bits, dim.n, budget), Samples(), 0)
    seen: set[str] = set()
    for batch in _batches(batches, stop):
        if dups.size:
            batch = _dedupe(batch, "order_id", dups, seen, out.samples, "orders")
        o = derive.orders(batch, dim, plan, out.samples)
        out.kept += o.height - int(o["neg"].sum())
        out.buys.add(derive.buys_part(o))
        out.sells.add(derive.sells_part(o))
        out.records.add(derive.order_records(o))
    return out


def _join(pay: _PayoutPass, order: _OrderPass, dim: Dim) -> Groups:
    pays = pay.pays
    for s in (pay.records, order.records):
        s.close()
    if pay.records.rows > JOIN_ROWS:  # the hash table of one partition stays small
        pay.records.spread()
    parts = align(pay.records, order.records) if pay.records.rows else 0
    # the table built as the payouts ended serves only an unpartitioned join; else it goes
    early, pay.early = (pay.early if parts == 1 and pay.records.in_memory else None), None
    for p in range(parts):
        side = early
        if side is None:
            records = pay.records.read(p)
            if records is None:
                continue
            side = _SourceTable.of(records)
        records = side.records
        found, pos = _sources(side, order.records.batches(p))
        src = derive.source(found, pos) if found.height else None
        pays.add(derive.pays_part(derive.attributed(records, dim, src)))
    for s in (pay.records, pay.ids, order.records):
        s.cleanup()
    return pays


def _sources(side: _SourceTable, orders: Iterator[pl.DataFrame]
             ) -> tuple[pl.DataFrame, npt.NDArray[np.int64]]:
    """The order records that are source orders of the payout records of ``side`` (kept
    orders only; the first of an id wins) and, per payout, the position of its source among
    them (-1: none). The hash table holds the distinct source ids, which are fewer than the
    orders."""
    ids, table, inverse = side.ids, side.table, side.inverse
    found: list[pl.DataFrame] = []
    which: list[npt.NDArray[np.int64]] = []
    for o in orders:
        at = table.find(o["h"].to_numpy())
        hit = (at >= 0) & ~o["neg"].to_numpy()
        if hit.any():
            keep = np.flatnonzero(hit)
            found.append(o[keep])
            which.append(at[keep])
    if not found:
        return pl.DataFrame(), np.full(inverse.size, -1, dtype=np.int64)
    # the first order found for each distinct id (orders come in the order they were added)
    pos = np.full(ids.size, np.iinfo(np.int64).max, dtype=np.int64)
    ids_found = np.concatenate(which)
    np.minimum.at(pos, ids_found, np.arange(ids_found.size, dtype=np.int64))
    pos[pos == np.iinfo(np.int64).max] = -1
    return pl.concat(found), pos[inverse]


def _distinct(keys: U64) -> U64:
    """The distinct keys, sorted: one sort of the plain words (``np.unique`` with an
    inverse takes an argsort, several times slower)."""
    s = sort_words(keys)
    first = np.empty(s.size, dtype=bool)
    first[:1] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    return s[first]


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
