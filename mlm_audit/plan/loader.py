"""Read a plan file: YAML with line numbers, schema validation, coherence checks.

Every problem is reported at once, each with its ``file:line`` and what to do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mlm_audit.model import InputError, InputInfo
from mlm_audit.packs import yamlsrc
from mlm_audit.plan.schema import PlanModel


class PlanError(InputError):
    """A plan file that cannot be used (exit code 2); lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Plan:
    model: PlanModel
    path: str
    sha256: str
    src: yamlsrc.Located

    @property
    def name(self) -> str:
        return self.model.plan

    def where(self, *path: str | int) -> str:
        """``file:line`` of a plan element, e.g. ``where("commissions", 2)``."""
        return self.src.where(tuple(path))

    def input_info(self) -> InputInfo:
        lines = max(self.src.lines.values(), default=0)
        return InputInfo(table="plan", path=self.path, sha256=self.sha256, encoding="utf-8",
                         format="yaml", rows_read=lines, rows_loaded=lines, rows_rejected=0)


def load_plan(path: str | Path) -> Plan:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise PlanError([f"{p}: cannot read plan file: {e.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise PlanError([f"{p}:{line}: plan files are UTF-8; re-save the file as UTF-8"]
                        ) from None
    return parse_plan(text, str(p), hashlib.sha256(raw).hexdigest())


def parse_plan(text: str, file: str, sha256: str = "") -> Plan:
    src = yamlsrc.load(text, file)
    if src.errors:
        raise PlanError(src.errors)
    if not isinstance(src.data, dict):
        raise PlanError([f"{file}:1: a plan is a mapping with keys plan, currency, join, "
                         f"commissions, … (see docs/plan-format.md)"])
    try:
        model = PlanModel.model_validate(src.data)
    except ValidationError as e:
        raise PlanError(_locate(e, src)) from None
    errors = coherence_errors(model, src)
    if errors:
        raise PlanError(errors)
    return Plan(model, file, sha256 or hashlib.sha256(text.encode()).hexdigest(), src)


def _locate(e: ValidationError, src: yamlsrc.Located) -> list[str]:
    out = []
    for err in e.errors():
        loc = tuple(x for x in err["loc"] if not str(x).startswith("function-"))
        dotted = ".".join(str(x) for x in loc) or "(top)"
        if err["type"] == "extra_forbidden":
            out.append(f"{src.where(loc)}: unknown key {dotted!r} (see docs/plan-format.md)")
        elif err["type"] == "missing":
            out.append(f"{src.where(loc)}: {dotted}: required key missing")
        else:
            out.append(f"{src.where(loc)}: {dotted}: {err['msg']}")
    return sorted(set(out), key=_line_key)


def _line_key(msg: str) -> tuple[int, str]:
    head = msg.split(": ", 1)[0]
    line = head.rsplit(":", 1)[-1]
    return (int(line) if line.isdigit() else 0, msg)


def coherence_errors(m: PlanModel, src: yamlsrc.Located) -> list[str]:
    """Terms that parse but contradict each other."""
    errors: list[str] = []

    def err(path: tuple[Any, ...], msg: str) -> None:
        errors.append(f"{src.where(path)}: {msg}")

    seen_gen: dict[tuple[int, str], int] = {}
    for i, lv in enumerate(m.commissions):
        if lv.generation == 0 and lv.basis != "own_retail":
            err(("commissions", i, "basis"), "generation 0 is the agent's own sales: basis "
                "must be own_retail")
        if lv.generation > 0 and lv.basis == "own_retail":
            err(("commissions", i, "basis"), f"generation {lv.generation} pays on someone "
                "else's activity: basis must be downline_sales or downline_purchases")
        key = (lv.generation, lv.basis)
        if key in seen_gen:
            err(("commissions", i), f"generation {lv.generation} with basis {lv.basis} is "
                f"defined twice (first at {src.where(('commissions', seen_gen[key]))})")
        seen_gen.setdefault(key, i)
    ranks = [r.name for r in m.ranks]
    for name in {n for n in ranks if ranks.count(n) > 1}:
        err(("ranks", ranks.index(name), "name"), f"rank {name!r} is defined twice")
    ids = [b.id for b in m.bonuses]
    for i, b in enumerate(m.bonuses):
        if ids.index(b.id) != i:
            err(("bonuses", i, "id"), f"bonus id {b.id!r} is used twice")
        if b.rank is not None and b.rank not in ranks:
            err(("bonuses", i, "rank"), f"bonus {b.id!r} names rank {b.rank!r}, which the "
                f"plan does not define (ranks: {', '.join(ranks) or 'none'})")
        if b.generations is not None and b.generations < b.from_generation:
            err(("bonuses", i, "generations"), f"bonus {b.id!r}: generations must be at least "
                f"from_generation ({b.from_generation})")
        if b.kind == "recruitment" and b.amount == 0 and b.rate == 0:
            err(("bonuses", i), f"recruitment bonus {b.id!r} pays nothing: give amount or rate")
        if b.kind != "recruitment" and b.rate == 0 and b.amount == 0:
            err(("bonuses", i), f"bonus {b.id!r} pays nothing: give rate or amount")
    if m.recruitment.by == "company":
        for i, lv in enumerate(m.commissions):
            if lv.generation > 0 and lv.rate > 0:
                err(("commissions", i), "recruitment.by is company, so no participant has a "
                    "downline to be paid on; remove this level or set recruitment.by")
    return errors
