"""Money columns spelled in a few ways: each spelling parsed once.

Many money columns of a real export hold one or two spellings in nearly every row: a
returns column of ``0.00``, a fee column of ``398.00``. Parsing each row costs a pattern
match and a decimal cast (about 30 ns a row); comparing a row with a known spelling costs a
tenth of that. When the first rows of a batch show at most :data:`FEW` spellings, each is
parsed once by :func:`mlm_audit.io.coerce.money` and rows take the result of the one they
equal; the rows that equal none are parsed as they are. The values and the invalid mask are
those :func:`mlm_audit.io.coerce.money` gives every row (the parse of a value does not
depend on the other rows).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from mlm_audit.io import coerce

FEW = 4  # engineering default: spellings compared one by one
HEAD_ROWS = 4096  # engineering default: rows the spellings are read from
MIN_ROWS = 4 * HEAD_ROWS  # smaller columns are parsed row by row
MAX_OTHER = 16  # engineering default: at most 1 row in this many may equal no spelling


def money_few(s: pl.Series, minor: bool) -> tuple[pl.Series, pl.Series] | None:
    """(values, invalid) of the text money column ``s`` as :func:`coerce.money` gives them,
    or None when its first rows show more than :data:`FEW` spellings, or too many rows equal
    none of them (the caller then parses every row)."""
    if s.dtype != pl.String or s.len() < MIN_ROWS:
        return None
    seen = s.head(HEAD_ROWS).drop_nulls().unique().sort()
    if not 0 < seen.len() <= FEW:
        return None
    val, bad = coerce.money(seen.to_frame("s"), "s", minor)
    c = pl.col("s")
    same = [c == spelling for spelling in seen.to_list()]
    value: Any = pl  # pl.when(...).then(...).when(...) ...: the value of the spelling equalled
    invalid: Any = pl
    for m, v, b in zip(same, val, bad, strict=True):
        value, invalid = value.when(m).then(pl.lit(v, pl.Int64)), invalid.when(m).then(b)
    got = s.to_frame("s").select(
        value.otherwise(None).alias("v"), invalid.otherwise(False).alias("b"),
        (c.is_not_null() & ~pl.any_horizontal(same)).alias("o"))
    out, mask = got["v"], got["b"]
    n_other = int(got["o"].sum())
    if n_other * MAX_OTHER > s.len():
        return None
    if n_other:
        other = got["o"].arg_true()
        rv, rb = coerce.money(s.gather(other).to_frame("s"), "s", minor)
        out, mask = out.scatter(other, rv), mask.scatter(other, rb)
    return out.alias(s.name), mask.alias(s.name)
