"""The expression language of the ``expression`` check: parse with :mod:`ast` in eval mode,
allow a small subset, translate it into a polars expression. Nothing is ever executed:
names resolve only to metrics columns, and any other construct is refused with the place
and the list of what is allowed.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

import polars as pl

from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS

MONEY = ([f"bought_{k}" for k in ORDER_KINDS] + ["sold_ext", "sold_int"]
         + [f"paid_{k}" for k in PAYOUT_KINDS]
         + ["paid_total", "fees_paid", "entry", "unsold", "recruit_pay"])
COLUMNS: dict[str, str] = {
    "agent_id": "text", "sponsor_id": "text", "rooted": "bool", "level": "number",
    "direct_recruits": "number", "downline_size": "number", "org_levels": "number",
    **{c: "number" for c in MONEY}, "net": "number",
    **{f"downline_{c}": "number" for c in MONEY},
}
MONEY_SET = frozenset(MONEY + ["net"] + [f"downline_{c}" for c in MONEY])
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
