"""Shared builders for check tests: small networks from lists of dicts.

``make_network(agents=[...], orders=[...], payouts=[...])`` takes rows with canonical column
names, amounts in minor units and dates as ``'YYYY-MM-DD'`` strings, and returns the Network
that preflight leaves behind. Omitting ``orders`` or ``payouts`` means the table was not given
(``has_orders`` / ``has_payouts`` false); an empty list means it was given and is empty.
Also available as the ``make_network`` fixture, and ``yaml_example`` parses the rule example
of a check module's docstring.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
import yaml

from mlm_audit import docs_gen, preflight
from mlm_audit.network import Network
from mlm_audit.schema import Dataset
from tests.checks._build_b import frame


def make_network(
    agents: list[dict[str, Any]],
    orders: list[dict[str, Any]] | None = None,
    payouts: list[dict[str, Any]] | None = None,
) -> Network:
    """A preflighted Network from rows of canonical columns."""
    ds = Dataset.from_frames(
        frame("agents", agents),
        frame("orders", orders) if orders is not None else None,
        frame("payouts", payouts) if payouts is not None else None,
    )
    net, _issues = preflight.run(ds)
    return net


def parse_example(module: ModuleType) -> list[dict[str, Any]]:
    """The YAML rule list that follows ``Example::`` in a check module's docstring."""
    example = docs_gen.example_yaml(module.__doc__ or "")
    assert example, f"{module.__name__}: docstring has no 'Example::' block"
    rules = yaml.safe_load(example)
    assert isinstance(rules, list) and rules, f"{module.__name__}: example is not a rule list"
    return rules


@pytest.fixture(name="make_network")
def make_network_fixture() -> Any:
    return make_network


@pytest.fixture(name="yaml_example")
def yaml_example_fixture() -> Any:
    return parse_example
