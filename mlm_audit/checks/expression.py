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

import ast
import difflib
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import reduce
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlm_audit.checks.base import CheckParams, agent_evidence
from mlm_audit.metrics import windows
from mlm_audit.model import NETWORK, Finding, Subject
from mlm_audit.network import Network
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

VERSION = 1
NEEDS: tuple[str, ...] = ()
SAMPLE = 20

MONEY = ([f"bought_{k}" for k in ORDER_KINDS] + ["sold_ext", "sold_int"]
         + [f"paid_{k}" for k in PAYOUT_KINDS]
         + ["paid_total", "fees_paid", "entry", "unsold", "recruit_pay"])
COLUMNS: dict[str, str] = {
    "agent_id": "text", "sponsor_id": "text", "rooted": "bool", "level": "number",
    "direct_recruits": "number", "downline_size": "number", "org_levels": "number",
    **{c: "number" for c in MONEY}, "net": "number",
    **{f"downline_{c}": "number" for c in MONEY},
}
_MONEY_SET = frozenset(MONEY + ["net"] + [f"downline_{c}" for c in MONEY])
FUNCS = ("abs", "min", "max")
ALLOWED = ("column names, numbers, quoted strings, True/False, + - * /, comparisons, "
           "and/or/not, parentheses, abs(), min(), max()")
_ARITH: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_CMP: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_WORD = {"number": "a number", "bool": "a condition (true/false)", "text": "text"}
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq}


@dataclass(frozen=True)
class Compiled:
    expr: pl.Expr
    kind: str  # number | bool | text
    names: frozenset[str]


class _Translator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.names: set[str] = set()

    def fail(self, node: ast.AST, what: str) -> ValueError:
        col = getattr(node, "col_offset", 0) + 1
        return ValueError(f"expression {self.text!r}: {what} (at column {col})")

    def need(self, node: ast.AST, got: tuple[pl.Expr, str], kind: str, role: str) -> pl.Expr:
        if got[1] != kind:
            raise self.fail(node, f"{role} needs {_WORD[kind]}, got {_WORD[got[1]]}")
        return got[0]

    def visit(self, node: ast.AST) -> tuple[pl.Expr, str]:
        if isinstance(node, ast.Name):
            if node.id not in COLUMNS:
                close = difflib.get_close_matches(node.id, list(COLUMNS), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.fail(node, f"unknown column {node.id!r}{hint} (columns are listed "
                                      "by 'mlm-audit rules show expression')")
            self.names.add(node.id)
            return pl.col(node.id), COLUMNS[node.id]
        if isinstance(node, ast.Constant) and not isinstance(node.value, (bytes, complex)) \
                and node.value is not None and node.value is not Ellipsis:
            kind = ("bool" if isinstance(node.value, bool)
                    else "text" if isinstance(node.value, str) else "number")
            return pl.lit(node.value), kind
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            a = self.need(node, self.visit(node.left), "number", "arithmetic")
            b = self.need(node, self.visit(node.right), "number", "arithmetic")
            return _ARITH[type(node.op)](a, b), "number"
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return ~self.need(node, self.visit(node.operand), "bool", "'not'"), "bool"
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                v = self.need(node, self.visit(node.operand), "number", "a sign")
                return (-v if isinstance(node.op, ast.USub) else v), "number"
        if isinstance(node, ast.BoolOp):
            parts = [self.need(node, self.visit(v), "bool", "'and'/'or'") for v in node.values]
            op = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            return reduce(op, parts), "bool"
        if isinstance(node, ast.Compare) and all(type(o) in _CMP for o in node.ops):
            terms = [self.visit(node.left)] + [self.visit(c) for c in node.comparators]
            out = []
            for cmp, (a, ka), (b, kb) in zip(node.ops, terms, terms[1:], strict=False):
                if ka != kb:
                    raise self.fail(node, f"cannot compare {_WORD[ka]} with {_WORD[kb]}")
                out.append(_CMP[type(cmp)](a, b))
            return reduce(operator.and_, out), "bool"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in FUNCS and not node.keywords:
            args = [self.need(node, self.visit(a), "number", f"{node.func.id}()")
                    for a in node.args]
            if node.func.id == "abs" and len(args) == 1:
                return args[0].abs(), "number"
            if node.func.id != "abs" and len(args) >= 2:
                fn = pl.min_horizontal if node.func.id == "min" else pl.max_horizontal
                return fn(*args), "number"
            raise self.fail(node, f"wrong number of arguments to {node.func.id}()")
        raise self.fail(node, f"{type(node).__name__.lower()} is not allowed; allowed: {ALLOWED}")


def compile_expr(text: str, kind: str = "bool") -> Compiled:
    """Parse and translate; raises ValueError with a message naming the problem."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"expression {text!r}: invalid syntax at column {e.offset or 1}"
                         ) from None
    t = _Translator(text)
    expr, got = t.visit(tree.body)
    if got != kind:
        raise ValueError(f"expression {text!r} gives {_WORD[got]}; {_WORD[kind]} is needed here")
    return Compiled(expr, got, frozenset(t.names))


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
        values.update({f"{c}_text": windows.money_text(int(values[c])) for c in shown
                       if c in _MONEY_SET and values[c] is not None})
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
