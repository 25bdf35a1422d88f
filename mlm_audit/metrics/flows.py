"""Per (agent, period key) views of ``buys`` and ``sells`` (and ``pays``) for one range of
agents: what :mod:`mlm_audit.metrics.attribution` builds range by range.

Every view is a set of run sums (:mod:`mlm_audit.metrics.runs`): the fact tables come
sorted by (``idx``, ``mk``), so each (agent, period) is a run of rows; buyer and seller
figures of the same key meet by binary search. Columns (all net of returns): as buyer
``purchased`` (stock_up, starter_kit, self_purchase), ``self_use`` (self_purchase),
``stock_up``, ``int_direct`` (purchases as a participant other than stock_up) and ``buys``
(orders bought as a participant); as seller ``resold`` (everything sold but returns),
``ext`` (sales to external customers) and ``ext_orders``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics.groups import interleave
from mlm_audit.metrics.money import sum_by
from mlm_audit.metrics.periods import Window
from mlm_audit.metrics.runs import Runs, among, dated, decode, gather, idx_of, match, pk_of
from mlm_audit.scan.facts import NULL_KIND
from mlm_audit.schema import ORDER_KINDS

PURCHASE_KINDS = ("stock_up", "starter_kit", "self_purchase")
BUYER_COLS = ("purchased", "self_use", "stock_up", "int_direct", "buys")
SELLER_COLS = ("resold", "ext", "ext_orders")
KIND_CODE = {k: i for i, k in enumerate(ORDER_KINDS)}
PURCHASE_CODES = [KIND_CODE[k] for k in PURCHASE_KINDS]
FLOW_COLS = (*BUYER_COLS, *SELLER_COLS)
TRADE_COLS = ("purchased", "self_use", "stock_up", "resold", "earned")
SHARE_COLS = ("ext", "internal", "orders")

Sums = dict[str, npt.NDArray[np.int64]]
Masked = tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]


def _kept(keys: npt.NDArray[np.int64], sums: Sums, keep: npt.NDArray[np.bool_]
          ) -> tuple[npt.NDArray[np.int64], Sums]:
    if bool(keep.all()):  # the usual case: no copies
        return keys, sums
    return keys[keep], {c: v[keep] for c, v in sums.items()}


def _buyer(b: pl.DataFrame, window: Window, cols: tuple[str, ...]
           ) -> tuple[npt.NDArray[np.int64], Sums]:
    """Run keys (dated only) and sums of the buyer columns ``cols`` of some ``buys`` rows;
    each column is masked, reduced and dropped in turn (fact tables can hold 100M rows)."""
    r = Runs.of(b, window)
    kind, net_ = b["kind"].to_numpy(), b["net"].to_numpy()
    ext = cache(lambda: b["ext"].to_numpy())
    make: dict[str, Callable[[], Masked]] = {
        "purchased": lambda: (net_, among(kind, PURCHASE_CODES)),
        "self_use": lambda: (net_, kind == KIND_CODE["self_purchase"]),
        "stock_up": lambda: (net_, kind == KIND_CODE["stock_up"]),
        "int_direct": lambda: (net_, ~(ext() | (kind == KIND_CODE["stock_up"]))),
        "buys": lambda: (b["n"].to_numpy(), ~ext()),
    }
    return _kept(r.keys, {c: r.sum(*make[c]()) for c in cols}, dated(r.keys))


def _seller(s: pl.DataFrame, window: Window, cols: tuple[str, ...]
            ) -> tuple[npt.NDArray[np.int64], Sums]:
    """As :func:`_buyer` for seller columns of ``sells`` rows: dated runs holding a resale
    (an agent seller, not a return nor a kindless order) or an external sale."""
    r = Runs.of(s, window)
    kind, ext, net_ = s["kind"].to_numpy(), s["ext"].to_numpy(), s["net"].to_numpy()
    sold = (s["idx"].to_numpy() >= 0) & (kind != KIND_CODE["return"]) & (kind != NULL_KIND)
    make: dict[str, Callable[[], Masked]] = {
        "resold": lambda: (net_, sold), "ext": lambda: (net_, ext),
        "ext_orders": lambda: (s["n"].to_numpy(), ext),
    }
    keep = dated(r.keys) & r.any(sold | ext)
    return _kept(r.keys, {c: r.sum(*make[c]()) for c in cols}, keep)


def flows(b: pl.DataFrame, s: pl.DataFrame, window: Window) -> pl.DataFrame:
    """:func:`mlm_audit.metrics.attribution.order_flows` of some rows of ``buys`` and
    ``sells``, sorted by (``idx``, ``pk``)."""
    bk, buyer = _buyer(b, window, BUYER_COLS)
    sk, seller = _seller(s, window, SELLER_COLS)
    keys, at_buyer, at_seller = interleave(bk, sk)
    cols: Sums = {}
    for at, sums in ((at_buyer, buyer), (at_seller, seller)):
        for c, v in sums.items():
            cols[c] = np.zeros(keys.size, np.int64)
            cols[c][at] = v
    return pl.DataFrame({"idx": idx_of(keys), "pk": pk_of(keys),
                         **{c: cols[c] for c in FLOW_COLS}})


def purchases(b: pl.DataFrame, s: pl.DataFrame, p: pl.DataFrame | None, window: Window
              ) -> pl.DataFrame:
    """:func:`mlm_audit.metrics.attribution.agent_period_trade` with ``buying`` of one range
    of agents: the purchase runs, and the resales (and, given ``pays`` rows, earnings) of
    the same (agent, period) found by binary search. Sorted by (``idx``, ``pk``)."""
    keys, got = _buyer(b, window, ("purchased", "self_use", "stock_up"))
    keys, got = _kept(keys, got, (got["purchased"] > 0) & (keys >= 1 << 32))  # idx >= 0
    sk, sold = _seller(s, window, ("resold",))
    out = {"idx": idx_of(keys), "pk": pk_of(keys), **got,
           "resold": gather(keys, sk, sold["resold"])}
    if p is not None:
        paid = Runs.of(p, window)  # unknown recipients (idx -1) and undated pay never match
        out["earned"] = gather(keys, paid.keys, paid.sum(p["amount"].to_numpy()))
    return pl.DataFrame(out)


def share_parts(b: pl.DataFrame, s: pl.DataFrame, window: Window) -> pl.DataFrame:
    """:func:`mlm_audit.metrics.attribution.external_share_parts` of one range of agents:
    the buyer runs with the seller figures of the same (agent, period) found by binary
    search, then the seller runs without purchases (no union of the keys is built). Buyer
    sums are written straight into the output columns: fact tables can hold 100M rows."""
    r = Runs.of(b, window)
    keep = dated(r.keys)
    full = bool(keep.all())
    bk = r.keys if full else r.keys[keep]
    sk, seller = _seller(s, window, SELLER_COLS)
    at_b, at_s = match(bk, sk)
    alone = np.ones(sk.size, dtype=bool)
    alone[at_s] = False
    nb = bk.size
    idx, pk = decode(bk, sk[alone])
    kind, net_, ext = b["kind"].to_numpy(), b["net"].to_numpy(), b["ext"].to_numpy()
    stock = kind == KIND_CODE["stock_up"]

    def buyer(out: npt.NDArray[np.int64], values: npt.NDArray[np.int64],
              where: npt.NDArray[np.bool_]) -> None:
        if full:
            r.sum(values, where, out=out[:nb])
        else:
            out[:nb] = r.sum(values, where)[keep]

    # internal = max(int_direct + max(stock_up - resold, 0), 0), one array written in place
    internal = np.empty(idx.size, np.int64)
    buyer(internal, net_, stock)
    internal[at_b] -= seller["resold"][at_s]
    np.negative(seller["resold"][alone], out=internal[nb:])
    np.maximum(internal, 0, out=internal)
    orders = np.empty(idx.size, np.int64)
    buyer(orders, net_, ~(ext | stock))  # int_direct, before orders takes its own figures
    internal[:nb] += orders[:nb]
    np.maximum(internal, 0, out=internal)
    buyer(orders, b["n"].to_numpy(), ~ext)
    orders[at_b] += seller["ext_orders"][at_s]
    orders[nb:] = seller["ext_orders"][alone]
    ext_sales = np.zeros(idx.size, np.int64)
    ext_sales[at_b] = seller["ext"][at_s]
    ext_sales[nb:] = seller["ext"][alone]
    np.maximum(ext_sales, 0, out=ext_sales)
    return pl.DataFrame({"idx": idx, "pk": pk, "ext": ext_sales, "internal": internal,
                         "orders": orders})


def share_totals(b: pl.DataFrame, s: pl.DataFrame, window: Window) -> pl.DataFrame:
    """:func:`share_parts` summed per period key (``pk``, ``ext``, ``internal``,
    ``orders``), without building its per-(agent, period) columns: what the network-wide
    test needs, at a fraction of the memory."""
    r = Runs.of(b, window)
    keep = dated(r.keys)
    full = bool(keep.all())
    bk = r.keys if full else r.keys[keep]
    sk, seller = _seller(s, window, SELLER_COLS)
    if bk.size + sk.size == 0:
        return pl.DataFrame(schema={"pk": pl.Int32, **{c: pl.Int64 for c in SHARE_COLS}})
    at_b, at_s = match(bk, sk)
    alone = np.ones(sk.size, dtype=bool)
    alone[at_s] = False
    kind, net_, ext = b["kind"].to_numpy(), b["net"].to_numpy(), b["ext"].to_numpy()
    stock = kind == KIND_CODE["stock_up"]

    def buyer(values: npt.NDArray[np.int64], where: npt.NDArray[np.bool_]
              ) -> npt.NDArray[np.int64]:
        v = r.sum(values, where)
        return v if full else v[keep]

    internal = buyer(net_, stock)  # max(int_direct + max(stock_up - resold, 0), 0) per run
    internal[at_b] -= seller["resold"][at_s]
    np.maximum(internal, 0, out=internal)
    internal += buyer(net_, ~(ext | stock))
    np.maximum(internal, 0, out=internal)
    pb, ps = pk_of(bk).astype(np.int64), pk_of(sk).astype(np.int64)
    lo = min(int(p.min()) for p in (pb, ps) if p.size)
    span = max(int(p.max()) for p in (pb, ps) if p.size) - lo + 1
    pb -= lo
    ps -= lo

    def per_pk(key: npt.NDArray[np.int64], values: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.int64]:
        return sum_by(key, values, span)

    totals = {
        "ext": per_pk(ps, np.maximum(seller["ext"], 0)),
        "internal": per_pk(pb, internal)
        + per_pk(ps[alone], np.maximum(-seller["resold"][alone], 0)),
        "orders": per_pk(pb, buyer(b["n"].to_numpy(), ~ext)) + per_pk(ps, seller["ext_orders"]),
    }
    present = np.flatnonzero(np.bincount(pb, minlength=span) + np.bincount(ps, minlength=span))
    return pl.DataFrame({"pk": (present + lo).astype(np.int32),
                         **{c: v[present] for c, v in totals.items()}})
