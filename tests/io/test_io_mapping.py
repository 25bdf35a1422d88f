"""Header aliases, mapping files, and the error for a header nothing maps."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlm_audit.io import load_dataset, load_table
from mlm_audit.io.mapping import load_mapping
from mlm_audit.model import InputError


def test_unmapped_header_error_word_for_word(tmp_path: Path):
    path = tmp_path / "agents.csv"
    path.write_text("编号,推荐码,注册时间\nA,,2024-01-01\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_table("agents", path)
    assert str(e.value) == (
        f"{path}: cannot find required agents column(s): agent_id, sponsor_id\n"
        "  headers found: 编号, 推荐码, 注册时间\n"
        "  names recognised for agent_id: agent_id, id, member_id, memberid, distributor_id, "
        "user_id, ...\n"
        "  names recognised for sponsor_id: sponsor_id, sponsor, upline_id, uplineid, sid, "
        "parent_id, ...\n"
        "  rename the headers, or map them with --mapping FILE.yaml containing:\n"
        "    agents:\n"
        "      columns:\n"
        '        agent_id: "<header that holds agent_id>"\n'
        '        sponsor_id: "<header that holds sponsor_id>"'
    )


def test_the_suggested_mapping_fixes_it(tmp_path: Path):
    (tmp_path / "agents.csv").write_text("编号,推荐码\nA,\nB,A\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_dataset(tmp_path)
    snippet = str(e.value).split("containing:\n", 1)[1]
    snippet = snippet.replace("<header that holds agent_id>", "编号")
    snippet = snippet.replace("<header that holds sponsor_id>", "推荐码")
    m = tmp_path / "map.yaml"
    m.write_text(snippet, encoding="utf-8")
    ds = load_dataset(tmp_path, mapping=m)
    assert ds.agents["sponsor_id"].to_list() == [None, "A"]


def test_mapping_wins_over_aliases_and_kinds_extend(tmp_path: Path):
    (tmp_path / "agents.csv").write_text("agent_id,sponsor_id\nA,\n", encoding="utf-8")
    orders = tmp_path / "orders.csv"
    # 订单金额 is a built-in alias for amount, but the mapping points at 成交额 instead
    orders.write_text("订单号,会员ID,订单金额,成交额,类型\nO1,A,1,2500,线下零售\n",
                      encoding="utf-8")
    m = tmp_path / "map.yaml"
    m.write_text("orders:\n  columns: {amount: 成交额, kind: 类型}\n  money_unit: minor\n"
                 "  kinds: {线下零售: retail}\n", encoding="utf-8")
    ds = load_dataset(tmp_path, orders=orders, mapping=m)
    assert ds.orders["amount"].to_list() == [2500]
    assert ds.orders["kind"].to_list() == ["retail"]
    unused = [i for i in ds.issues if i.code == "unmapped_column"]
    assert [i.message for i in unused] == ["columns not used: 订单金额"]


@pytest.mark.parametrize("text,expected", [
    ("agents:\n  colums: {agent_id: x}\n",
     "{m}:2: agents.colums: Extra inputs are not permitted"),
    ("agents:\n  columns:\n    agent_no: x\n",
     "{m}:3: agents has no column 'agent_no'; columns: agent_id, sponsor_id, joined_at, name, "
     "rank, placement_id, terminated_at, fees_paid"),
    ("orders:\n  money_unit: cents\n",
     "{m}:2: orders.money_unit: String should match pattern '^(major|minor)$'"),
    ("payouts:\n  kinds:\n    育成奖: bonus\n",
     "{m}:3: 'bonus' is not a payouts kind; kinds: retail_commission, recruitment_bonus, "
     "override, team_bonus, rank_bonus, other"),
    ("agents:\n  columns: {agent_id: a}\nagents: {}\n",
     "{m}:3: duplicate key 'agents' (first at line 1)"),
    ("agents: [\n", "{m}:2: invalid YAML: expected the node content, but found '<stream end>'"),
])
def test_bad_mapping_files_are_located(tmp_path: Path, text: str, expected: str):
    m = tmp_path / "map.yaml"
    m.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_mapping(m)
    assert str(e.value) == expected.format(m=m)


def test_missing_mapping_file(tmp_path: Path):
    with pytest.raises(InputError, match="mapping file not found"):
        load_mapping(tmp_path / "nope.yaml")


def test_mapping_naming_an_absent_header(tmp_path: Path):
    path = tmp_path / "agents.csv"
    path.write_text("id,parent\nA,\n", encoding="utf-8")
    m = tmp_path / "map.yaml"
    m.write_text("agents:\n  columns: {sponsor_id: 上级}\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_table("agents", path, load_mapping(m))
    assert str(e.value) == (f"{path}: the mapping names header '上级' for agents.sponsor_id, "
                            "but the file has no such header; headers found: id, parent")


@pytest.mark.parametrize("table,header,canonical", [
    ("agents", "会员ID,上级ID,注册时间,代理等级,昵称",
     ["agent_id", "sponsor_id", "joined_at", "rank", "name"]),
    ("agents", "Member ID,Upline-ID,signup_time,Full Name",
     ["agent_id", "sponsor_id", "joined_at", "name"]),
    ("orders", "订单编号,下单用户ID,推广员ID,实付金额,支付时间,订单类型",
     ["order_id", "buyer_id", "seller_id", "amount", "ordered_at", "kind"]),
    ("payouts", "流水号,获得者ID,佣金金额,结算时间,奖励类型,贡献人ID,来源订单号",
     ["payout_id", "recipient_id", "amount", "paid_at", "kind", "source_agent_id",
      "source_order_id"]),
])
def test_builtin_aliases(table: str, header: str, canonical: list[str]):
    from mlm_audit.io.mapping import TableMapping, resolve

    res = resolve(table, header.split(","), TableMapping(), "f.csv")
    assert list(res.columns) == canonical
    assert res.ignored == []


def test_data_format_doc_lists_every_builtin_name():
    from mlm_audit.io.aliases import HEADER_ALIASES, ORDER_KIND_ALIASES, PAYOUT_KIND_ALIASES

    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-format.md").read_text("utf-8")
    tables: dict[str, dict[str, list[str]]] = {}
    for part in doc.split("## Built-in names", 1)[1].split("#### ")[1:]:
        title, _, body = part.partition("\n")
        tables[title.strip()] = {
            line.split("|")[1].strip(" `"): line.split("|")[2].strip().split(", ")
            for line in body.splitlines() if line.startswith("| `")}
    for table, cols in HEADER_ALIASES.items():
        assert {c: list(n) for c, n in cols.items()} == tables[table]
    for title, aliases in (("order kinds", ORDER_KIND_ALIASES),
                           ("payout kinds", PAYOUT_KIND_ALIASES)):
        listed = {v: k for k, vs in tables[title].items() for v in vs}
        assert listed == aliases
