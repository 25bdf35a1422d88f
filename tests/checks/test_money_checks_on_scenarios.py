"""The recruitment and money checks at their default parameters on generated scenarios.

Lawful data (``retail``, ``cps``) must not fire; ``pyramid`` and ``stocking`` must fire the
checks one would expect and name the planted agents.
"""

from pathlib import Path

import pytest

from mlm_audit import preflight
from mlm_audit.checks import REGISTRY
from mlm_audit.io import load_dataset

generate_mod = pytest.importorskip("mlm_audit.generate")

CHECKS = ("recruitment_surge", "deep_commissions", "recruitment_rewards", "entry_payments",
          "inventory_loading", "internal_sales")
AGENTS = 2_000


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    cache = {}

    def build(name):
        if name not in cache:
            out = Path(tmp_path_factory.mktemp(name))
            summary = generate_mod.generate(name, generate_mod.Spec(AGENTS, 1), out, "parquet")
            net, _ = preflight.run(load_dataset(out, None, None, None, None))
            cache[name] = (net, summary)
        return cache[name]

    return build


def findings(net, check, **params):
    ct = REGISTRY[check]
    return list(ct.run(net, ct.params(**params)))


@pytest.mark.parametrize("name", ["retail", "cps"])
def test_lawful_scenarios_do_not_fire(scenario, name):
    net, _ = scenario(name)
    fired = {c: len(findings(net, c)) for c in CHECKS}
    assert fired == dict.fromkeys(CHECKS, 0)


def test_pyramid_fires_the_money_checks(scenario):
    net, summary = scenario("pyramid")
    organizer = summary["planted"]["organizers"][0]
    deep = findings(net, "deep_commissions")
    assert deep[0].evidence["paid_depth"] >= 2
    assert deep[0].evidence["by_organization"][0]["root_id"] == organizer
    rewards = findings(net, "recruitment_rewards")
    assert [(f.subject.kind, f.subject.id) for f in rewards][:2] == [
        ("network", "*"), ("organization", organizer)]
    entry = findings(net, "entry_payments")
    assert entry[0].evidence["share_paying"] > 0.9
    assert entry[0].evidence["top_organizations"][0]["root_id"] == organizer
    assert findings(net, "inventory_loading")
    internal = findings(net, "internal_sales")
    assert any(f.subject.kind == "agent" and f.subject.id == organizer for f in internal)


def test_stocking_fires_and_names_loaded_agents(scenario):
    net, summary = scenario("stocking")
    loaded = set(summary["planted"]["loaded_agents"])
    assert findings(net, "deep_commissions")
    assert findings(net, "entry_payments")
    assert any(f.subject.kind == "network" for f in findings(net, "internal_sales"))
    assert findings(net, "inventory_loading")
    worst = findings(net, "inventory_loading", require_earnings=False)[0].evidence["worst"]
    assert len(loaded & set(worst)) >= 5
