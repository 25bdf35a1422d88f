"""What several views of the fact tables share: a per-network cache, kind names, and the
RECRUIT_PAY rule.

A network's facts are fixed once scanned, so a view that several checks read is built once
per network. The cache is keyed weakly: it dies with the network.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.metrics.once import Once
from mlm_audit.scan.facts import OTHER_KIND
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network

_CACHE: weakref.WeakKeyDictionary[Network, Once] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def cached(net: Network, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per network and key; a second caller (a rule running beside the
    first) waits for the first build rather than repeating it."""
    with _LOCK:
        try:
            views = _CACHE.get(net)
            if views is None:
                views = _CACHE[net] = Once()
        except TypeError:  # an object that cannot be weakly referenced: no cache
            return build()
    return views.get(key, build)


def forget(net: Network) -> None:
    """Drop the cached views of a network (its facts were rescanned)."""
    with _LOCK:
        _CACHE.pop(net, None)


# why a payout counts as RECRUIT_PAY (regulations.md §0): its kind is recruitment_bonus,
# else its source order is an entry order (starter_kit, fee), else that order was bought
# within the entry window; the first reason that holds is the one given
FUNDING = ("recruitment_bonus", "starter_kit", "fee", "entry_window")


def funding_codes(net: Network, entry_window_days: int = 0) -> npt.NDArray[np.int8]:
    """Why every group of ``net.pays`` counts as RECRUIT_PAY, as a code: 0 not, else 1 +
    the position of the reason in ``FUNDING`` (integer masks, no kind names).
    ``entry_window_days``: pay sourced from a purchase the source agent made within that
    many days of joining counts (0 = off; the recipient's own purchases never count)."""
    if entry_window_days > 0:
        net.require(days=entry_window_days)
    p = net.pays
    out = np.zeros(p.height, np.int8)
    if entry_window_days > 0:
        sjd = p["sjd"].to_numpy()
        out[(sjd >= 0) & (sjd <= entry_window_days)] = 4
    src = p["src_kind"].to_numpy()
    for code, kind in ((3, "fee"), (2, "starter_kit")):  # later reasons win, as in the rule
        out[src == ORDER_KINDS.index(kind)] = code
    out[p["kind"].to_numpy() == PAYOUT_KINDS.index("recruitment_bonus")] = 1
    return out


def kind_names(code: pl.Expr, kinds: tuple[str, ...]) -> pl.Expr:
    """Kind codes of the fact tables as names; null for no kind or no source order, and
    ``(unknown)`` for a kind outside the canonical list."""
    names = {i: k for i, k in enumerate(kinds)} | {OTHER_KIND: "(unknown)"}
    return code.cast(pl.Int16).replace_strict(names, default=None, return_dtype=pl.String)
