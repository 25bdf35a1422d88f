"""The check contract (DESIGN.md §5).

A check module defines a frozen pydantic ``Params`` model (extra keys forbidden; every field
typed, bounded, defaulted and described) and one pure function
``run(network, params) -> Iterable[Finding]``. Its module docstring is its documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from mlm_audit.model import Finding

if TYPE_CHECKING:
    from mlm_audit.network import Network


class CheckParams(BaseModel):
    """Base for every check's ``Params``: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


CheckFn = Callable[["Network", Any], Iterable[Finding]]


@dataclass(frozen=True)
class CheckType:
    name: str
    params: type[CheckParams]
    run: CheckFn
    doc: str
    needs: tuple[str, ...]  # tables the check reads beyond agents: "orders", "payouts"
    version: int
    # relative cost on a large network (scheduling only: heavier rules start first when
    # rules run side by side; findings never depend on it)
    weight: int = 1

    @classmethod
    def from_module(cls, module: ModuleType) -> CheckType:
        name = module.__name__.rsplit(".", 1)[-1]
        return cls(
            name=name,
            params=module.Params,
            run=module.run,
            doc=(module.__doc__ or "").strip(),
            needs=tuple(getattr(module, "NEEDS", ())),
            version=int(getattr(module, "VERSION", 1)),
            weight=int(getattr(module, "WEIGHT", 1)),
        )

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""


def agent_evidence(net: Network, idx: int, **figures: Any) -> dict[str, Any]:
    """Standard evidence for an agent finding: the figures and the chain from its root."""
    chain = net.chain(idx)
    return {**figures, "agent_id": net.id_of(idx), "root_id": chain[0], "chain": chain}


def no_data_run(net: Any, params: Any) -> Iterator[Finding]:
    """``run`` of a plan-only check (``NEEDS = ("plan",)``): data audits have no plan terms
    to read, so the engine skips the check on data and this yields nothing."""
    return iter(())
