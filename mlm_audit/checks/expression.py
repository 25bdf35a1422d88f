"""A custom rule: a safe expression over the per-agent metrics table.

``where`` is a condition on one agent's row of the metrics table, written like a Python
expression and translated into a vectorized column expression — never executed as code.
Allowed: column names, numbers, quoted strings, ``True``/``False``, ``+ - * /``,
comparisons (``< <= > >= == !=``, chained), ``and`` / ``or`` / ``not``, parentheses, and
``abs(x)``, ``min(a, b, …)``, ``max(a, b, …)``. Anything else (attributes, other calls,
subscripts, lambdas, comprehensions) is refused when the pack is loaded, and an unknown
column is refused with the closest name. Money columns are minor units (fen, cents).
Division by zero gives infinity (0/0 gives NaN, which compares false).

Columns: ``agent_id``, ``sponsor_id`` (text); ``rooted`` (true/false); ``level``,
``direct_recruits``, ``downline_size`` (the agent included), ``org_levels`` (L(u), the agent
as level 1); money per agent: ``bought_<kind>`` per order kind, ``sold_ext``, ``sold_int``,
``paid_<kind>`` per payout kind, ``paid_total``, ``fees_paid``, ``entry``, ``unsold``,
``net``, ``recruit_pay`` (RECRUIT_PAY received); and ``downline_<money column>``, the sum
of that column over the agent's downline, the agent itself excluded.

``subject: agent`` yields one finding per matching agent (at most ``max_findings``, by
``order_by`` descending, then input order); ``report: topmost`` keeps only matching agents
whose sponsor does not match (useful for conditions on downline sums, which hold for every
sponsor above a matching agent too). ``subject: network`` yields one finding when
``aggregate`` holds: ``count`` of matching agents, their ``share`` of all agents in the
tree, or the ``sum`` of ``column`` (an expression) over them, divided by the sum of
``denominator`` over all agents when one is given; without ``aggregate``, when any agent
matches. ``message`` may name columns in braces, e.g. ``{agent_id}`` or ``{entry}``.

Example::

    - id: CN-DS-03
      check: expression
      severity: high
      params:
        where: "level > 1"
        subject: network
        aggregate: {fn: count, op: ">", value: 0}
        message: "agents recruited by other agents rather than by the company"

Evidence: agent findings: the referenced columns' values (money columns also as
``<column>_text``), ``matched``, ``where``,
``agent_id``, ``root_id``, ``chain``; network: ``value``, ``op``, ``threshold``, ``fn``,
``matched``, ``population``, ``where`` and up to twenty ``sample_agents``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlm_audit.checks._exprlang import COLUMNS, MONEY_SET, Compiled, compile_expr
from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics import windows
from mlm_audit.metrics.periods import money_text
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network

VERSION = 1
NEEDS: tuple[str, ...] = ()
SAMPLE = 20
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq}
__all__ = ["COLUMNS", "Params", "compile_expr", "run"]

class Aggregate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    fn: Literal["count", "share", "sum"] = Field(description="What is compared.")
    op: Literal[">", ">=", "<", "<=", "=="] = Field(">", description="Comparison.")
    value: float = Field(description="Threshold.")
    column: str | None = Field(None, description="Numeric expression summed by fn: sum.")
    denominator: str | None = Field(None, description="Numeric expression summed over all "
                                                      "agents; fn: sum becomes a ratio.")

    @field_validator("column", "denominator")
    @classmethod
    def _numeric(cls, v: str | None) -> str | None:
        if v is not None:
            compile_expr(v, "number")
        return v

    @model_validator(mode="after")
    def _sum_needs_column(self) -> Aggregate:
        if (self.fn == "sum") != (self.column is not None):
            raise ValueError("'column' is required with fn: sum and only allowed with it")
        if self.denominator is not None and self.fn != "sum":
            raise ValueError("'denominator' is only allowed with fn: sum")
        return self


class Params(CheckParams):
    where: str = Field(min_length=1, max_length=2000,
                       description="Condition on an agent's metrics row (see the grammar).")
    subject: Literal["agent", "network"] = Field(
        "agent", description="One finding per matching agent, or one for the network.")
    aggregate: Aggregate | None = Field(
        None, description="Network test {fn, op, value, column, denominator}.")
    message: str = Field("", max_length=500, description="Finding text; {column} placeholders.")
    order_by: str | None = Field(None, description="Numeric column listing agents first.")
    report: Literal["all", "topmost"] = Field(
        "all", description="'topmost': only matching agents whose sponsor does not match.")
    max_findings: int = Field(100, ge=0, le=100_000, description="Agent findings at most.")

    @field_validator("where")
    @classmethod
    def _where(cls, v: str) -> str:
        compile_expr(v, "bool")
        return v

    @field_validator("order_by")
    @classmethod
    def _order_by(cls, v: str | None) -> str | None:
        if v is not None:
            compile_expr(v, "number")
        return v

    @model_validator(mode="after")
    def _aggregate_for_network(self) -> Params:
        if self.aggregate is not None and self.subject != "network":
            raise ValueError("'aggregate' applies to subject: network only")
        return self


def metrics_frame(net: Network, names: set[str]) -> pl.DataFrame:
    """The metrics table with the extra columns the expressions name, computed on demand."""
    base = net.metrics
    extra: dict[str, Any] = {}
    if "recruit_pay" in names or "downline_recruit_pay" in names:
        extra["recruit_pay"] = windows.recruit_pay_by_agent(net)
    for name in sorted(names):
        if name.startswith("downline_") and name not in base.columns:
            col = name.removeprefix("downline_")
            v = extra[col] if col in extra else base[col].to_numpy().astype(np.int64)
            v = np.where(net.rooted, v, 0)
            extra[name] = net.subtree_sum(v) - v
    return base.with_columns(pl.Series(k, v) for k, v in extra.items()) if extra else base


def _text(template: str, values: dict[str, Any]) -> str:
    class _Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"
    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError):
        return template


def run(net: Network, params: Params) -> Iterator[Finding]:
    where = compile_expr(params.where)
    names = set(where.names)
    agg = params.aggregate
    col = compile_expr(agg.column, "number") if agg and agg.column else None
    den = compile_expr(agg.denominator, "number") if agg and agg.denominator else None
    order = compile_expr(params.order_by, "number") if params.order_by else None
    for c in (col, den, order):
        names |= set(c.names) if c else set()
    df = metrics_frame(net, names)
    hit = df.select(where.expr.fill_null(False).alias("h"))["h"].to_numpy() & net.rooted
    if params.subject == "network":
        yield from _network(net, params, df, hit, col, den)
        return
    if params.report == "topmost":
        parent_hit = np.zeros(net.n, dtype=bool)
        has_p = net.parent >= 0
        parent_hit[has_p] = hit[net.parent[has_p]]
        hit &= ~parent_hit
    idx = np.flatnonzero(hit)
    if order is not None and idx.size:
        key = df.select(order.expr.cast(pl.Float64).fill_null(-np.inf).alias("k"))["k"]
        idx = idx[np.lexsort((idx, -key.to_numpy()[idx]))]
    shown = sorted(where.names)
    for i in idx[: params.max_findings]:
        values: dict[str, Any] = {c: df[c][int(i)] for c in shown}
        values.update({f"{c}_text": money_text(int(values[c])) for c in shown
                       if c in MONEY_SET and values[c] is not None})
        aid = net.id_of(int(i))
        msg = _text(params.message, {**values, "agent_id": aid}) if params.message \
            else f"agent {aid} matches: {params.where}"
        yield Finding(
            subject=Subject("agent", aid), message=msg,
            evidence=agent_evidence(net, int(i), **values, matched=int(idx.size),
                                    where=params.where),
        )


def _network(net: Network, params: Params, df: pl.DataFrame, hit: np.ndarray,
             col: Compiled | None, den: Compiled | None) -> Iterator[Finding]:
    agg = params.aggregate
    matched = int(hit.sum())
    population = int(net.rooted.sum())
    if agg is None:
        value, op, threshold, fn = float(matched), ">", 0.0, "count"
    else:
        op, threshold, fn = agg.op, agg.value, agg.fn
        if fn == "count":
            value = float(matched)
        elif fn == "share":
            value = matched / population if population else 0.0
        else:
            assert col is not None
            v = df.select(col.expr.cast(pl.Float64).fill_null(0.0))
            value = float(v.to_series().to_numpy()[hit].sum())
            if den is not None:
                d = df.select(den.expr.cast(pl.Float64).fill_null(0.0)).to_series().to_numpy()
                total = float(d[net.rooted].sum())
                value = value / total if total else 0.0
    if not _OPS[op](value, threshold):
        return
    sample = [net.id_of(int(i)) for i in np.flatnonzero(hit)[:SAMPLE]]
    figures = {"value": round(value, 6), "op": op, "threshold": threshold, "fn": fn,
               "matched": matched, "population": population, "where": params.where}
    msg = _text(params.message, figures) if params.message else (
        f"{fn} of agents matching {params.where!r} is {value:g} ({op} {threshold:g})")
    yield Finding(subject=NETWORK, message=msg, evidence={**figures, "sample_agents": sample})
