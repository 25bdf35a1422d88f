"""Typed money columns in Spark, read exactly as the local loader reads them.

Integer columns are major units unless the mapping says ``money_unit: minor``. A decimal is
exact: a nonzero digit below the minor unit makes the value invalid, never rounded. A double
is read at its decimal spelling to 6 places (the local reader's shortest spelling, rounded to
6 places): invalid when a nonzero digit is left below the minor unit. A value too large for
int64 minor units, NaN or infinity is invalid too.

:func:`money` gives the value in minor units (null when invalid), a flag marking invalid
present values, and their text as the local loader would quote it (null elsewhere).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlm_audit.model import InputError
from mlm_audit.schema import MINOR_UNITS

if TYPE_CHECKING:
    from pyspark.sql import Column

INTEGRAL = ("tinyint", "smallint", "int", "bigint")
MAX = 2**63 - 1


def money(c: Column, t: str, minor: bool, where: str) -> tuple[Column, Column, Column]:
    """(value in minor units, invalid flag, quoted text of invalid values) for column ``c``
    of Spark type ``t``."""
    from pyspark.sql import functions as F

    factor = 1 if minor else MINOR_UNITS
    limit = MAX // factor
    if t in INTEGRAL:
        ok = F.abs(c.cast("decimal(20,0)")) <= F.lit(limit)
        value = F.when(ok, c.cast("bigint") * factor)
        text = c.cast("string")
    elif t.startswith("decimal") or t in ("float", "double"):
        if t.startswith("decimal"):
            exact = c
            text = c.cast("string")
        else:
            # the shortest decimal spelling (0.285, not 0.28499999999999998), to 6 places
            finite = ~(F.isnan(c) | (F.abs(c) == float("inf")))
            exact = F.when(finite, c.cast("string")).try_cast("decimal(38,6)")
            whole = finite & (c == F.floor(c)) & (F.abs(c) < 2**53)
            text = (F.when(whole, c.cast("bigint").cast("string"))
                    .when(finite, F.regexp_replace(exact.cast("string"), r"0+$", ""))
                    .when(F.isnan(c), F.lit("NaN"))
                    .when(c > 0, F.lit("inf")).otherwise(F.lit("-inf")))
        digits = 0 if minor else 2
        ok = F.coalesce((exact == F.round(exact, digits)) & (F.abs(exact) <= F.lit(limit)),
                        F.lit(False))
        value = F.when(ok, (F.round(exact, digits) * factor).try_cast("bigint"))
    else:
        raise InputError(f"{where}: expected a numeric column (integer, decimal or double); "
                         "cast it in Spark first")
    bad = c.isNotNull() & ~F.coalesce(ok, F.lit(False))
    return value, bad, F.when(bad, text)
