"""expression: safe translation, refusal of anything else, agent and network subjects."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mlm_audit.checks import expression
from mlm_audit.network import Network
from tests.checks._build_b import build, chain

P = expression.Params


def _net() -> Network:
    agents = [{"agent_id": a, "sponsor_id": s, "fees_paid": 500 if a != "A1" else 0}
              for a, s in chain(4)]
    orders = [{"buyer_id": "A3", "seller_id": None, "amount": 2000, "kind": "stock_up"}]
    payouts = [{"recipient_id": "A1", "amount": 300, "kind": "recruitment_bonus",
                "source_agent_id": "A2"},
               {"recipient_id": "A2", "amount": 100, "kind": "retail_commission"}]
    return build(agents, orders, payouts)


def test_agent_findings_carry_values_and_chain() -> None:
    found = list(expression.run(_net(), P(where="entry > 0 and level >= 3",
                                          message="{agent_id} paid {entry}")))
    assert [f.subject.id for f in found] == ["A3", "A4"]
    assert found[0].message == "A3 paid 500"
    assert found[0].evidence["entry"] == 500 and found[0].evidence["level"] == 3
    assert found[0].evidence["chain"] == ["A1", "A2", "A3"]
    assert found[0].evidence["matched"] == 2


def test_no_match_is_quiet() -> None:
    assert list(expression.run(_net(), P(where="entry > 10000"))) == []


def test_functions_and_arithmetic() -> None:
    found = list(expression.run(_net(), P(where="max(entry, paid_total) / 2 >= abs(-250) "
                                                "and not rooted == False")))
    assert [f.subject.id for f in found] == ["A2", "A3", "A4"]


def test_chained_comparison_and_text() -> None:
    found = list(expression.run(_net(), P(where="1 < level <= 2 or agent_id == 'A4'")))
    assert [f.subject.id for f in found] == ["A2", "A4"]


def test_downline_sums_topmost_and_order() -> None:
    net = _net()
    found = list(expression.run(net, P(where="downline_entry >= 1000", order_by="downline_entry")))
    assert [(f.subject.id, f.evidence["downline_entry"]) for f in found] == [
        ("A1", 1500), ("A2", 1000)]
    top = list(expression.run(net, P(where="downline_entry >= 1000", report="topmost")))
    assert [f.subject.id for f in top] == ["A1"]


def test_recruit_pay_column() -> None:
    found = list(expression.run(_net(), P(where="recruit_pay > 0.5 * paid_total")))
    assert [f.subject.id for f in found] == ["A1"]


@pytest.mark.parametrize(("agg", "fires"), [
    ({"fn": "count", "op": ">=", "value": 3}, True),
    ({"fn": "count", "op": ">", "value": 3}, False),
    ({"fn": "share", "op": ">=", "value": 0.75}, True),
    ({"fn": "sum", "column": "entry", "op": "==", "value": 1500}, True),
    ({"fn": "sum", "column": "recruit_pay", "denominator": "paid_total", "op": ">",
      "value": 0.75}, False),
    ({"fn": "sum", "column": "recruit_pay", "denominator": "paid_total", "op": ">=",
      "value": 0.75}, True),
])
def test_network_aggregates(agg: dict[str, object], fires: bool) -> None:
    where = "recruit_pay > 0" if agg.get("column") == "recruit_pay" else "entry > 0"
    found = list(expression.run(_net(), P(where=where, subject="network", aggregate=agg)))
    assert bool(found) is fires
    if found:
        assert found[0].subject.kind == "network" and found[0].evidence["fn"] == agg["fn"]


def test_network_without_aggregate_fires_on_any_match() -> None:
    (f,) = expression.run(_net(), P(where="level > 3", subject="network"))
    assert f.evidence["matched"] == 1 and f.evidence["sample_agents"] == ["A4"]


@pytest.mark.parametrize(("text", "says"), [
    ("entyr > 0", "unknown column 'entyr'; did you mean 'entry'?"),
    ("entry.real > 0", "attribute is not allowed"),
    ("__import__('os').system('x') == 0", "call is not allowed"),
    ("open('f') == 1", "call is not allowed"),
    ("agent_id[0] == 'A'", "subscript is not allowed"),
    ("(lambda: 1)() == 1", "call is not allowed"),
    ("[x for x in level] == 1", "listcomp is not allowed"),
    ("level ** 2 > 1", "binop is not allowed"),
    ("__class__ > 1", "unknown column '__class__'"),
    ("level", "gives a number; a condition (true/false) is needed"),
    ("level + 'a' > 1", "arithmetic needs a number, got text"),
    ("agent_id > 1", "cannot compare text with a number"),
    ("entry and level", "'and'/'or' needs a condition"),
    ("min(level) > 1", "wrong number of arguments to min()"),
    ("abs(x=1) > 1", "call is not allowed"),
    ("level >", "invalid syntax"),
    ("level if rooted else 0", "ifexp is not allowed"),
])
def test_refused_at_load_time(text: str, says: str) -> None:
    with pytest.raises(ValidationError) as e:
        P(where=text)
    assert says in str(e.value)


def test_param_cross_checks() -> None:
    with pytest.raises(ValidationError, match="applies to subject: network"):
        P(where="rooted", aggregate={"fn": "count", "value": 1})
    with pytest.raises(ValidationError, match="'column' is required"):
        P(where="rooted", subject="network", aggregate={"fn": "sum", "value": 1})
    with pytest.raises(ValidationError, match="unknown column 'nett'"):
        P(where="rooted", order_by="nett")


def test_columns_match_the_network_metrics_table() -> None:
    derived = {c for c in expression.COLUMNS if c.startswith("downline_")} - {"downline_size"}
    declared = set(expression.COLUMNS) - derived - {"recruit_pay"}
    assert declared == set(_net().metrics.columns)
