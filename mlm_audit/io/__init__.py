"""Readers, encoding detection, column mapping and type coercion."""

from mlm_audit.io.loader import load_dataset, load_table

__all__ = ["load_dataset", "load_table"]
