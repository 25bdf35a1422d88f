"""Every supported format and encoding loads onto the canonical tables with located rows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from mlm_audit.io import load_table
from mlm_audit.io.readers import read_raw
from tests.conftest import csv_text

ZH_HEADER = ("会员ID", "推荐人ID", "注册时间", "入会费")
ZH_ROWS = [("总代001", "", "2024/3/1", "￥1,999.00"), ("代理002", "总代001", "2024年3月2日", "399")]


def _check_zh(df: pl.DataFrame) -> None:
    assert df["agent_id"].to_list() == ["总代001", "代理002"]
    assert df["sponsor_id"].to_list() == [None, "总代001"]
    assert df["joined_at"].to_list() == [dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2)]
    assert df["fees_paid"].to_list() == [199900, 39900]
    assert df["_row"].to_list() == [2, 3]


@pytest.mark.parametrize("encoding,reported", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
    ("utf-16", "utf-16"),
])
def test_csv_encodings_detected_from_content(tmp_path: Path, encoding: str, reported: str):
    # the name says nothing about the encoding: it is found in the bytes
    path = tmp_path / "export.csv"
    path.write_bytes(csv_text(ZH_HEADER, ZH_ROWS).encode(encoding))
    df, info, issues = load_table("agents", path)
    _check_zh(df)
    assert info.encoding == reported
    assert (info.rows_read, info.rows_loaded, info.rows_rejected) == (2, 2, 0)
    assert issues == []


def test_gbk_after_a_long_ascii_prefix(tmp_path: Path):
    # the first megabyte is plain ASCII; the GBK bytes come later
    rows = [(f"A{i}", "", "2024-01-01", "0") for i in range(60_000)] + [("代理", "", "", "")]
    path = tmp_path / "agents.csv"
    path.write_bytes(csv_text(("agent_id", "sponsor_id", "joined_at", "fees_paid"),
                              rows).encode("gbk"))
    df, info, _ = load_table("agents", path)
    assert info.encoding == "gb18030"
    assert df["agent_id"][-1] == "代理"
    assert df.height == 60_001


def test_gb18030_only_characters(tmp_path: Path):
    path = tmp_path / "agents.csv"
    path.write_bytes("会员ID,推荐人ID\n𠀀甲,\n".encode("gb18030"))
    df, info, _ = load_table("agents", path)
    assert df["agent_id"].to_list() == ["𠀀甲"]


@pytest.mark.parametrize("sep,suffix", [("\t", ".tsv"), ("\t", ".csv"), (";", ".csv"),
                                        ("|", ".txt")])
def test_delimiters(tmp_path: Path, sep: str, suffix: str):
    path = tmp_path / f"agents{suffix}"
    path.write_text(csv_text(ZH_HEADER, ZH_ROWS, sep), encoding="utf-8")
    df, info, _ = load_table("agents", path)
    _check_zh(df)
    assert info.format == ("tsv" if suffix == ".tsv" else "csv")


def test_excel_sep_hint_line(tmp_path: Path):
    path = tmp_path / "agents.csv"
    path.write_text("sep=;\n" + csv_text(ZH_HEADER, ZH_ROWS, ";"), encoding="utf-8")
    df, _, _ = load_table("agents", path)
    assert df["_row"].to_list() == [3, 4]
    assert df["fees_paid"].to_list() == [199900, 39900]


def test_xlsx_date_cells_numbers_and_title_rows(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["会员列表 导出于 2024-06-30"])  # title row, then a blank row
    ws.append([])
    ws.append(["member_id", "upline_id", "signup_time", "fee"])
    ws.append([10001, None, dt.datetime(2024, 3, 1, 12, 30), 1999.5])
    ws.append([])  # a blank row inside the data is skipped but keeps row numbers right
    ws.append(["M2", 10001, dt.date(2024, 3, 2), "￥1,200"])
    ws.append(["M3", "M2", 45352, 0.1 + 0.2])  # serial date; float noise from a formula
    path = tmp_path / "agents.xlsx"
    wb.save(path)
    df, info, issues = load_table("agents", path)
    assert df["agent_id"].to_list() == ["10001", "M2", "M3"]
    assert df["sponsor_id"].to_list() == [None, "10001", "M2"]
    assert df["joined_at"].to_list() == [dt.datetime(2024, 3, 1, 12, 30),
                                         dt.datetime(2024, 3, 2), dt.datetime(2024, 3, 1)]
    assert df["fees_paid"].to_list() == [199950, 120000, 30]
    assert df["_row"].to_list() == [4, 6, 7]
    assert (info.format, info.rows_read, info.rows_rejected) == ("xlsx", 3, 0)
    assert [i.code for i in issues] == ["blank_rows"]


def test_xlsx_prefers_sheet_named_like_the_table(tmp_path: Path):
    wb = openpyxl.Workbook()
    wb.active.title = "summary"
    wb.active.append(["note", "value"])
    ws = wb.create_sheet("orders")
    ws.append(["order_id", "buyer_id", "amount"])
    ws.append(["O1", "C1", 12.5])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    df, _, _ = load_table("orders", path)
    assert df["amount"].to_list() == [1250]


def test_json_array_typed_values(tmp_path: Path):
    recs = [{"order_id": 1, "buyer_id": "C1", "amount": 12.5, "ordered_at": "2024-03-01"},
            {"order_id": 2, "buyer_id": None, "amount": "¥1,200", "ordered_at": 45353,
             "meta": {"channel": "mini-program"}}]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    df, info, _ = load_table("orders", path)
    assert df["order_id"].to_list() == ["1", "2"]
    assert df["amount"].to_list() == [1250, 120000]
    assert df["ordered_at"].to_list() == [dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2)]
    assert df["_row"].to_list() == [1, 2]
    assert info.format == "json"


def test_ndjson_rows_are_lines(tmp_path: Path):
    path = tmp_path / "payouts.ndjson"
    path.write_text('{"payout_id":"P1","recipient_id":"A","amount":5}\n\n'
                    '{"payout_id":"P2","recipient_id":"B","amount":"7.25","kind":"邀请奖励"}\n',
                    encoding="utf-8")
    df, info, _ = load_table("payouts", path)
    assert df["_row"].to_list() == [1, 3]
    assert df["amount"].to_list() == [500, 725]
    assert df["kind"].to_list() == ["other", "recruitment_bonus"]
    assert info.format == "ndjson"


@pytest.mark.parametrize("unit,expected", [("major", [1200_00, 35_50]), ("minor", [1200, 3550])])
def test_parquet_typed_columns_and_money_unit(tmp_path: Path, unit: str, expected: list[int]):
    # integers mean what money_unit says, whatever the format: major units by default
    df = pl.DataFrame({
        "order_id": [1, 2], "buyer_id": ["C1", "C2"],
        "amount": pl.Series([1200, 3550] if unit == "minor" else [1200.0, 35.5]),
        "ordered_at": pl.Series([dt.datetime(2024, 3, 1, 8), dt.datetime(2024, 3, 2, 9)])
        .dt.replace_time_zone("Asia/Shanghai"),
    })
    if unit == "major":
        df = df.with_columns(pl.Series("amount", [Decimal("1200.00"), Decimal("35.50")]))
    path = tmp_path / "orders.parquet"
    df.write_parquet(path)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(f"orders:\n  money_unit: {unit}\n", encoding="utf-8")
    from mlm_audit.io.mapping import load_mapping

    out, info, issues = load_table("orders", path, load_mapping(mapping))
    assert out["amount"].to_list() == expected
    # wall-clock time as written in the file's zone
    assert out["ordered_at"].to_list() == [dt.datetime(2024, 3, 1, 8), dt.datetime(2024, 3, 2, 9)]
    assert out["order_id"].to_list() == ["1", "2"]
    assert (info.format, info.rows_loaded, issues) == ("parquet", 2, [])


def test_parquet_integers_default_to_major_units(tmp_path: Path):
    path = tmp_path / "orders.parquet"
    pl.DataFrame({"order_id": ["O1"], "buyer_id": ["C"], "amount": [1200]}).write_parquet(path)
    out, _, _ = load_table("orders", path)
    assert out["amount"].to_list() == [120000]


def test_raw_read_keeps_text_for_delimited(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("agent_id,fees_paid\n007,01.50\n", encoding="utf-8")
    raw = read_raw(path)
    assert raw.df.row(0, named=True) == {"_row": 2, "agent_id": "007", "fees_paid": "01.50"}
