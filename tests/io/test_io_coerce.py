"""Money and date rules, vectorized coercion, kind aliases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from mlm_audit.io import coerce, load_table

MONEY_OK = [
    ("1200", 120000), ("1200.5", 120050), ("1,200.50", 120050), ("¥1,200.50", 120050),
    ("￥ 1,200", 120000), ("1200元", 120000), ("RMB 99.90", 9990), ("-35", -3500),
    ("－35.00", -3500), ("(35.00)", -3500), ("-¥1,000", -100000), ("12.3400", 1234),
    (".5", 50), ("12.", 1200), ("0", 0), ("1,234,567.89", 123456789), (" 7 ", 700),
]
MONEY_BAD = ["-", ".", "+.", "abc", "12.345", "1,2,3", "1.200,50", "12,00", "--5", "1e3", "12.3.4",
             "12345678901234567890"]


def _money(values: list[str | None], minor: bool = False) -> tuple[list[int | None], list[bool]]:
    df = pl.DataFrame({"m": pl.Series(values, dtype=pl.String)})
    val, bad = coerce.money(df, "m", minor)
    return val.to_list(), bad.to_list()


def test_money_accepted_forms():
    vals, bad = _money([s for s, _ in MONEY_OK])
    assert vals == [v for _, v in MONEY_OK]
    assert not any(bad)


def test_money_rejected_forms_are_flagged_not_rounded():
    vals, bad = _money(MONEY_BAD)
    assert vals == [None] * len(MONEY_BAD)
    assert all(bad)


def test_money_empty_is_missing_not_invalid():
    vals, bad = _money([None, "", "  ", "¥"])
    assert vals == [None] * 4
    assert bad == [False] * 4


def test_money_minor_units():
    vals, bad = _money(["1200", "1,200", "-35", "12.00", "12.5", "x"], minor=True)
    assert vals == [1200, 1200, -35, 12, None, None]
    assert bad == [False, False, False, False, True, True]


def test_money_reason_names_too_many_decimals():
    df = pl.DataFrame({"m": ["12.345", "abc"]})
    why = df.select(coerce.money_reason("m", pl.String(), False).alias("w"))["w"].to_list()
    assert why == ["has more than 2 decimals; amounts are exact and never rounded",
                   "is not an amount like 1200.50, ¥1,200.50 or -35 with at most 2 decimals"]


DATES = [
    ("2024-03-01 12:00:00", dt.datetime(2024, 3, 1, 12)),
    ("2024-03-01T12:00:00", dt.datetime(2024, 3, 1, 12)),
    ("2024-03-01T12:00:00.250Z", dt.datetime(2024, 3, 1, 12, 0, 0, 250000)),
    ("2024-03-01 12:00:00+08:00", dt.datetime(2024, 3, 1, 12)),
    ("2024-03-01 12:00", dt.datetime(2024, 3, 1, 12)),
    ("2024-3-1", dt.datetime(2024, 3, 1)),
    ("2024/3/1", dt.datetime(2024, 3, 1)),
    ("2024/03/01 08:05", dt.datetime(2024, 3, 1, 8, 5)),
    ("2024年3月1日", dt.datetime(2024, 3, 1)),
    ("2024年3月1日 08:05:09", dt.datetime(2024, 3, 1, 8, 5, 9)),
    ("2024.3.1", dt.datetime(2024, 3, 1)),
    ("20240301", dt.datetime(2024, 3, 1)),
    ("45352", dt.datetime(2024, 3, 1)),
    ("45352.5", dt.datetime(2024, 3, 1, 12)),
]


@pytest.mark.parametrize("text,expected", DATES)
def test_date_forms_alone(text: str, expected: dt.datetime):
    parsed, invalid = coerce.dates(pl.DataFrame({"d": [text]}), "d")
    assert parsed.to_list() == [expected]
    assert invalid.to_list() == [False]


def test_mixed_date_column_falls_back_beyond_the_sample():
    # the sample (first 2000 values) holds only ISO dates; later rows use other forms
    values = ["2024-01-02"] * 2500 + ["2024/3/1", "2024年3月1日", "45352", "not a date",
                                      "2024-02-30", None, ""]
    parsed, invalid = coerce.dates(pl.DataFrame({"d": values}), "d")
    tail = parsed.to_list()[2500:]
    assert tail[:3] == [dt.datetime(2024, 3, 1)] * 3
    assert tail[3:] == [None] * 4
    assert invalid.to_list()[2500:] == [False, False, False, True, True, False, False]


def test_ambiguous_day_month_is_not_guessed():
    parsed, invalid = coerce.dates(pl.DataFrame({"d": ["3/1/2024"]}), "d")
    assert parsed.to_list() == [None]
    assert invalid.to_list() == [True]


def test_native_datetime_and_date_columns():
    df = pl.DataFrame({"d": [dt.date(2024, 3, 1)], "t": [dt.datetime(2024, 3, 1, 9)]})
    assert coerce.dates(df, "d")[0].to_list() == [dt.datetime(2024, 3, 1)]
    assert coerce.dates(df, "t")[0].to_list() == [dt.datetime(2024, 3, 1, 9)]


def test_integer_valued_float_ids_keep_their_spelling():
    df = pl.DataFrame({"i": [10001.0, 2.5, None]})
    out = df.select(coerce.as_text("i", pl.Float64()).alias("i"))["i"].to_list()
    assert out == ["10001", "2.5", None]


@pytest.mark.parametrize("table,kinds,expected", [
    ("orders", ["零售", "自购", "进货", "囤货", "入会礼包", "代理礼包", "加盟费", "退货",
                "Retail", "stock up", "autoship"],
     ["retail", "self_purchase", "stock_up", "stock_up", "starter_kit", "starter_kit", "fee",
      "return", "retail", "stock_up", "self_purchase"]),
    ("payouts", ["推广佣金", "邀请奖励", "拉新奖励", "团队奖", "级差", "平级奖",
                 "Retail Commission", "direct", "binary", "其他"],
     ["retail_commission", "recruitment_bonus", "recruitment_bonus", "team_bonus", "override",
      "override", "retail_commission", "retail_commission", "team_bonus", "other"]),
])
def test_kind_aliases(tmp_path: Path, table: str, kinds: list[str], expected: list[str]):
    assert_kinds(tmp_path, table, kinds, expected)


def assert_kinds(tmp_path: Path, table: str, kinds: list[str], expected: list[str]) -> None:
    """A table whose rows carry ``kinds`` loads with ``expected`` kinds and no issue."""
    path = tmp_path / f"{table}.csv"
    head = "order_id,buyer_id,amount,kind" if table == "orders" else \
        "payout_id,recipient_id,amount,kind"
    path.write_text(head + "\n" + "".join(f"X{i},A,1,{k}\n" for i, k in enumerate(kinds)),
                    encoding="utf-8")
    df, _, issues = load_table(table, path)
    assert df["kind"].to_list() == expected
    assert issues == []


def test_unknown_kinds_are_reported_and_defaulted(tmp_path: Path):
    path = tmp_path / "payouts.csv"
    path.write_text("payout_id,recipient_id,amount,kind\nP1,A,1,育成津贴\nP2,A,1,育成津贴\n"
                    "P3,A,1,神秘奖\nP4,A,1,\n", encoding="utf-8")
    df, _, issues = load_table("payouts", path)
    assert df["kind"].to_list() == ["other"] * 4
    assert [(i.code, i.row, i.column, i.count) for i in issues] == [
        ("unknown_kind", 2, "kind", 3)]
    assert issues[0].message == (
        "3 rows have a kind with no mapping (育成津贴 (2 rows), 神秘奖 (1 rows)); treated as "
        "'other'. Map them with 'kinds:' in a mapping file")


def test_typed_integers_out_of_range_are_invalid_not_wrapped():
    df = pl.DataFrame({"m": pl.Series([5, 2**62, None, 2**64 - 1], dtype=pl.UInt64)})
    val, bad = coerce.money(df, "m", minor=False)
    assert val.to_list() == [500, None, None, None]
    assert bad.to_list() == [False, True, False, True]
    val, bad = coerce.money(df, "m", minor=True)
    assert val.to_list() == [5, 2**62, None, None]


def test_decimal_money_is_exact_and_never_rounded(tmp_path: Path) -> None:
    from mlm_audit.io.loader import load_table

    df = pl.DataFrame({"order_id": ["a", "b", "c"], "buyer_id": ["x", "y", "z"],
                       "amount": pl.Series(["12.500", "0.010", "1.234"]).cast(pl.Decimal(18, 3))})
    df.write_parquet(tmp_path / "orders.parquet")
    out, info, issues = load_table("orders", tmp_path / "orders.parquet")
    assert out["amount"].to_list() == [1250, 1]
    assert (info.rows_read, info.rows_loaded, info.rows_rejected) == (3, 2, 1)
    assert [(i.code, i.row, i.column) for i in issues] == [("bad_value", 3, "amount")]


@pytest.mark.parametrize("table,kinds,expected", [
    ("orders", ["retail", "", "stock_up", "retail"], ["retail", "retail", "stock_up", "retail"]),
    ("payouts", ["override", "", "override"], ["override", "other", "override"]),
    # one spelling that is not canonical: every row goes through the mapping
    ("orders", ["retail", "", "零售", "stock_up"], ["retail", "retail", "retail", "stock_up"]),
    # padded spellings are trimmed before they are mapped
    ("orders", ["retail", " stock_up ", "retail"], ["retail", "stock_up", "retail"]),
    ("payouts", ["\u3000override", "override"], ["override", "override"]),
])
def test_canonical_kinds_kept_and_empty_kinds_defaulted(tmp_path: Path, table: str,
                                                       kinds: list[str], expected: list[str]):
    assert_kinds(tmp_path, table, kinds, expected)


def test_a_kind_seen_only_on_a_rejected_row_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id,buyer_id,amount,kind\nX1,A,1,retail\nX2,A,,神秘\n"
                    "X3,A,1,stock_up\n", encoding="utf-8")
    df, info, issues = load_table("orders", path)
    assert df["kind"].to_list() == ["retail", "stock_up"]
    assert info.rows_rejected == 1
    assert [(i.code, i.row, i.column) for i in issues] == [("missing_value", 3, "amount")]
