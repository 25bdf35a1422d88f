"""What several views of the fact tables share: a per-network cache, kind names, and the
RECRUIT_PAY rule.

A network's facts are fixed once scanned, so a view that several checks read is built once
per network. The cache is keyed weakly: it dies with the network.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import polars as pl

from mlm_audit.scan.facts import OTHER_KIND

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


def kind_names(code: pl.Expr, kinds: tuple[str, ...]) -> pl.Expr:
    """Kind codes of the fact tables as names; null for no kind or no source order, and
    ``(unknown)`` for a kind outside the canonical list."""
    names = {i: k for i, k in enumerate(kinds)} | {OTHER_KIND: "(unknown)"}
    return code.cast(pl.Int16).replace_strict(names, default=None, return_dtype=pl.String)
