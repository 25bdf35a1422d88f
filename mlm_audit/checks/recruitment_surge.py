"""Joins per month growing by more than ``factor`` for ``months`` months in one organization.

Counts agents joining each organization (the tree under a root) per calendar month. A step
is a month whose joins exceed ``factor`` × the joins of the month before (a month after a
month with no joins is never a step). A finding per organization whose joins grew for
``months`` consecutive steps ending in a month with at least ``min_joins`` joins; its period
is the first month where that happened.

Why it matters: compensation that grows with the number of people recruited drives
exponential recruitment (滚动发展, 禁止传销条例 Art. 7(1)); 公通字〔2013〕37号 §1 counts
persons developed in the organization, and rapid doubling is how an organization crosses
the 30-person and 120-person thresholds. Growth alone is lawful: this is an indicator to
read with the money checks. ``factor``, ``months`` and ``min_joins`` are engineering
defaults with no legal source.

Example::

    - id: BASE-SURGE
      check: recruitment_surge
      severity: low
      params: {factor: 2.0, months: 3, min_joins: 20}

Evidence: ``root_id``, ``chain``, ``surge_months`` (month → joins over the run and the
month before it), ``growth`` (month → factor over the previous month), ``factor``,
``months``, ``min_joins``, ``joins_total`` (all joins of the organization), ``agents``.

References: 禁止传销条例 Art. 7(1) (滚动发展); 公通字〔2013〕37号 §1, §4.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
from pydantic import Field

from mlm_audit.checks.base import CheckParams
from mlm_audit.model import Finding, Subject
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ()


class Params(CheckParams):
    factor: float = Field(
        2.0, ge=1.0, le=1_000.0,
        description="Joins in a month must exceed this multiple of the month before "
                    "(engineering default).",
    )
    months: int = Field(
        3, ge=1, le=120,
        description="Consecutive growth steps needed (engineering default).",
    )
    min_joins: int = Field(
        20, ge=1, le=10**9,
        description="Joins needed in the month that completes the run (engineering default).",
    )


def _label(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def run(net: Network, params: Params) -> Iterator[Finding]:
    joins = (
        pl.DataFrame({"root": net.root, "t": net.agents["joined_at"]})
        .filter((pl.col("root") >= 0) & pl.col("t").is_not_null())
        .select("root", (pl.col("t").dt.year() * 12 + pl.col("t").dt.month() - 1).alias("m"))
        .group_by("root", "m").agg(pl.len().cast(pl.Int64).alias("c"))
        .sort("root", "m")
    )
    if joins.height == 0:
        return
    prev_m = pl.col("m").shift(1).over("root")
    prev_c = pl.col("c").shift(1).over("root")
    steps = joins.with_columns(
        ((prev_m == pl.col("m") - 1) & (prev_c > 0)
         & (pl.col("c") > params.factor * prev_c)).fill_null(False).alias("step"),
        (pl.col("c").cast(pl.Float64) / prev_c).alias("growth"),
    ).with_columns((~pl.col("step")).cum_sum().over("root").alias("run_id"))
    steps = steps.with_columns(
        pl.col("step").cast(pl.Int64).cum_sum().over("root", "run_id").alias("run_len")
    )
    hits = (
        steps.filter((pl.col("run_len") >= params.months) & (pl.col("c") >= params.min_joins))
        .group_by("root").agg(pl.col("m").min().alias("end"))
        .sort("root")
    )
    if hits.height == 0:
        return
    per_root = steps.filter(pl.col("root").is_in(hits["root"].implode())).partition_by(
        "root", as_dict=True)
    for r, end in hits.iter_rows():
        mine = per_root[(r,)]
        total = int(mine["c"].sum())
        rows = mine.filter((pl.col("m") <= end) & (pl.col("m") >= end - params.months))
        series = {_label(m): int(c) for m, c in rows.select("m", "c").iter_rows()}
        growth = {
            _label(m): round(float(g), 4)
            for m, g, s in rows.select("m", "growth", "step").iter_rows() if s
        }
        yield Finding(
            subject=Subject("organization", net.id_of(r)),
            period=_label(end),
            message=(
                f"joins in the organization of {net.id_of(r)} grew more than "
                f"{params.factor:g}× a month for {params.months} months, reaching "
                f"{series[_label(end)]} in {_label(end)}"
            ),
            evidence={
                "root_id": net.id_of(r),
                "chain": net.chain(r),
                "surge_months": series,
                "growth": growth,
                "factor": params.factor,
                "months": params.months,
                "min_joins": params.min_joins,
                "joins_total": total,
                "agents": int(net.downline_size[r]),
            },
        )
