"""What several views of the fact tables share: a per-network cache, kind names, and the
RECRUIT_PAY rule.

A network's facts are fixed once scanned, so a view that several checks read is built once
per network. The cache is keyed weakly: it dies with the network.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from mlm_audit.scan.facts import OTHER_KIND
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

if TYPE_CHECKING:
    from mlm_audit.network import Network

ENTRY_ORDER_KINDS = ("starter_kit", "fee")

_CACHE: weakref.WeakKeyDictionary[Network, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def cached(net: Network, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per network and key."""
    try:
        slot = _CACHE.setdefault(net, {})
    except TypeError:  # an object that cannot be weakly referenced: no cache
        return build()
    if key not in slot:
        slot[key] = build()
    return slot[key]


def forget(net: Network) -> None:
    """Drop the cached views of a network (its facts were rescanned)."""
    _CACHE.pop(net, None)


def recruit_funding(early: pl.Expr | None = None) -> pl.Expr:
    """Why a payout counts as RECRUIT_PAY (regulations.md §0), over its ``kind`` and its
    source order's ``src_kind``: ``recruitment_bonus``, the entry order kind (``starter_kit``,
    ``fee``), ``entry_window`` where ``early`` holds, or null (not RECRUIT_PAY)."""
    funded = (
        pl.when(pl.col("kind") == "recruitment_bonus").then(pl.lit("recruitment_bonus"))
        .when(pl.col("src_kind").is_in(ENTRY_ORDER_KINDS)).then(pl.col("src_kind"))
    )
    if early is not None:
        funded = funded.when(early).then(pl.lit("entry_window"))
    return funded.otherwise(pl.lit(None, pl.String))


FUNDING = ("recruitment_bonus", "starter_kit", "fee", "entry_window")


def funding_codes(net: Network, entry_window_days: int = 0) -> npt.NDArray[np.int8]:
    """:func:`recruit_funding` of every group of ``net.pays`` as a code: 0 not RECRUIT_PAY,
    else 1 + the position of the reason in ``FUNDING`` (integer masks, no kind names)."""
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
