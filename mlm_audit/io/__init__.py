"""Readers, encoding detection, column mapping and type coercion."""

from __future__ import annotations

from typing import Any

__all__ = ["load_dataset", "load_table"]


def __getattr__(name: str) -> Any:
    """``load_dataset`` and ``load_table`` load polars: only when asked for, so that the
    light modules of this package (:mod:`mlm_audit.io.bytescan`) load without it."""
    if name in __all__:
        from mlm_audit.io import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
