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
from mlm_audit.metrics.periods import Window
from mlm_audit.metrics.runs import Runs, among, dated, gather, idx_of, match, pk_of
from mlm_audit.scan.facts import NULL_KIND
from mlm_audit.schema import ORDER_KINDS

PURCHASE_KINDS = ("stock_up", "starter_kit", "self_purchase")
BUYER_COLS = ("purchased", "self_use", "stock_up", "int_direct", "buys")
SELLER_COLS = ("resold", "ext", "ext_orders")
KIND_CODE = {k: i for i, k in enumerate(ORDER_KINDS)}
PURCHASE_CODES = [KIND_CODE[k] for k in PURCHASE_KINDS]
FLOW_COLS = (*BUYER_COLS, *SELLER_COLS)
TRADE_COLS = ("purchased", "self_use", "stock_up", "resold", "earned")

Sums = dict[str, npt.NDArray[np.int64]]


def _buyer(b: pl.DataFrame, window: Window, cols: tuple[str, ...]
           ) -> tuple[npt.NDArray[np.int64], Sums]:
    """Run keys (dated only) and sums of the buyer columns ``cols`` of some ``buys`` rows;
    each column is built, reduced and dropped in turn (fact tables can hold 100M rows)."""
    r = Runs(b, window)
    kind, net_ = b["kind"].to_numpy(), b["net"].to_numpy()
    ext = cache(lambda: b["ext"].to_numpy())
    make: dict[str, Callable[[], npt.NDArray[np.int64]]] = {
        "purchased": lambda: np.where(among(kind, PURCHASE_CODES), net_, 0),
        "self_use": lambda: np.where(kind == KIND_CODE["self_purchase"], net_, 0),
        "stock_up": lambda: np.where(kind == KIND_CODE["stock_up"], net_, 0),
        "int_direct": lambda: np.where(ext() | (kind == KIND_CODE["stock_up"]), 0, net_),
        "buys": lambda: np.where(ext(), 0, b["n"].to_numpy()),
    }
    keep = dated(r.keys)
    return r.keys[keep], {c: r.sum(make[c]())[keep] for c in cols}


def _seller(s: pl.DataFrame, window: Window, cols: tuple[str, ...]
            ) -> tuple[npt.NDArray[np.int64], Sums]:
    """As :func:`_buyer` for seller columns of ``sells`` rows: dated runs holding a resale
    (an agent seller, not a return nor a kindless order) or an external sale."""
    r = Runs(s, window)
    kind, ext, net_ = s["kind"].to_numpy(), s["ext"].to_numpy(), s["net"].to_numpy()
    sold = (s["idx"].to_numpy() >= 0) & (kind != KIND_CODE["return"]) & (kind != NULL_KIND)
    make: dict[str, Callable[[], npt.NDArray[np.int64]]] = {
        "resold": lambda: np.where(sold, net_, 0), "ext": lambda: np.where(ext, net_, 0),
        "ext_orders": lambda: np.where(ext, s["n"].to_numpy(), 0),
    }
    keep = dated(r.keys) & r.any(sold | ext)
    return r.keys[keep], {c: r.sum(make[c]())[keep] for c in cols}


def flows(b: pl.DataFrame, s: pl.DataFrame, window: Window) -> pl.DataFrame:
    """:func:`order_flows` of some rows of ``buys`` and ``sells``."""
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


def purchases(b: pl.DataFrame, s: pl.DataFrame, p: pl.DataFrame, window: Window
               ) -> pl.DataFrame:
    """:func:`agent_period_trade` with ``buying`` of one range of agents: the purchase runs,
    and the resales and earnings of the same (agent, period) found by binary search."""
    keys, got = _buyer(b, window, ("purchased", "self_use", "stock_up"))
    keep = (got["purchased"] > 0) & (keys >= 1 << 32)  # idx >= 0
    keys = keys[keep]
    sk, sold = _seller(s, window, ("resold",))
    paid = Runs(p, window)  # unknown recipients (idx -1) and undated pay never match
    return pl.DataFrame({
        "idx": idx_of(keys), "pk": pk_of(keys),
        **{c: v[keep] for c, v in got.items()},
        "resold": gather(keys, sk, sold["resold"]),
        "earned": gather(keys, paid.keys, paid.sum(p["amount"].to_numpy())),
    })


def share_parts(b: pl.DataFrame, s: pl.DataFrame, window: Window) -> pl.DataFrame:
    """:func:`external_share_parts` of one range of agents: the buyer runs with the seller
    figures of the same (agent, period) found by binary search, then the seller runs
    without purchases (no union of the keys is built)."""
    bk, buyer = _buyer(b, window, ("int_direct", "stock_up", "buys"))
    sk, seller = _seller(s, window, SELLER_COLS)
    at_b, at_s = match(bk, sk)
    alone = np.ones(sk.size, dtype=bool)
    alone[at_s] = False
    cols: Sums = {}
    for c, v in seller.items():
        col = np.zeros(bk.size, np.int64)
        col[at_b] = v[at_s]
        cols[c] = np.concatenate((col, v[alone]))
    rest = np.zeros(int(alone.sum()), np.int64)
    for c, v in buyer.items():
        cols[c] = np.concatenate((v, rest))
    keys = np.concatenate((bk, sk[alone]))
    unsold = np.maximum(cols["stock_up"] - cols["resold"], 0)
    return pl.DataFrame({
        "idx": idx_of(keys), "pk": pk_of(keys),
        "ext": np.maximum(cols["ext"], 0),
        "internal": np.maximum(cols["int_direct"] + unsold, 0),
        "orders": cols["buys"] + cols["ext_orders"],
    })
