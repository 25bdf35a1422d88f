"""Row accounting: rows read = rows loaded + rows rejected; every rejection is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlm_audit import itemize as itemize_mod
from mlm_audit.io import load_table
from mlm_audit.model import IssueLevel


def test_rejected_rows_are_reported_with_file_row_column_and_why(tmp_path: Path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,buyer_id,amount,ordered_at,returned_amount\n"
        "O1,C1,10.00,2024-03-01,\n"          # row 2 ok
        ",C2,5,2024-03-01,\n"                # row 3 no id -> rejected
        "O3,C3,12.345,2024-03-01,\n"         # row 4 3 decimals -> rejected
        "O4,,abc,2024-03-01,\n"              # row 5 bad amount -> rejected
        "O5,C5,,2024-03-01,\n"               # row 6 empty amount -> rejected
        "O6,C6,7,someday,x\n"                # row 7 bad date and refund -> kept, warned
        ",,,,\n",                            # row 8 nothing at all -> skipped, counted
        encoding="utf-8")
    df, info, issues = load_table("orders", path)
    assert (info.rows_read, info.rows_loaded, info.rows_rejected) == (6, 2, 4)
    assert info.rows_read == info.rows_loaded + info.rows_rejected
    assert df["order_id"].to_list() == ["O1", "O6"]
    assert df["_row"].to_list() == [2, 7]
    got = [(i.code, i.level, i.file, i.row, i.column, i.message) for i in issues]
    f = str(path)
    assert got == [
        ("missing_value", IssueLevel.error, f, 3, "order_id",
         "required order_id is empty; row rejected"),
        ("missing_value", IssueLevel.error, f, 6, "amount",
         "required amount is empty; row rejected"),
        ("bad_value", IssueLevel.error, f, 4, "amount",
         "amount '12.345' has more than 2 decimals; amounts are exact and never rounded; row "
         "rejected"),
        ("bad_value", IssueLevel.error, f, 5, "amount",
         "amount 'abc' is not an amount like 1200.50, ¥1,200.50 or -35 with at most 2 "
         "decimals; row rejected"),
        ("bad_value", IssueLevel.warning, f, 7, "returned_amount",
         "returned_amount 'x' is not an amount like 1200.50, ¥1,200.50 or -35 with at most 2 "
         "decimals; left empty"),
        ("bad_date", IssueLevel.warning, f, 7, "ordered_at",
         "ordered_at 'someday' is not a date like 2024-03-01, 2024/3/1, 2024年3月1日 or an "
         "Excel serial; left empty"),
        ("blank_rows", IssueLevel.info, f, None, None,
         "1 rows with no value at all skipped (not counted as read)"),
    ]
    rejected_rows = {i.row for i in issues if "rejected" in i.message}
    assert len(rejected_rows) == info.rows_rejected


def test_many_rejections_are_itemized_then_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(itemize_mod, "ITEMIZE", 3)
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,sponsor_id\n" + "".join(",x\n" for _ in range(30)) + "A,\n",
                    encoding="utf-8")
    df, info, issues = load_table("agents", path)
    assert (info.rows_read, info.rows_loaded, info.rows_rejected) == (31, 1, 30)
    assert [i.row for i in issues] == [2, 3, 4, None]
    assert issues[-1].count == 27
    assert sum(i.count for i in issues) == info.rows_rejected
    assert issues[-1].message.startswith("27 more rows with missing_value in agent_id (rows 5, "
                                         "6, 7, ")


def test_large_file_keeps_exact_accounting(tmp_path: Path):
    n = 100_000
    path = tmp_path / "orders.csv"
    lines = ["order_id,buyer_id,amount,ordered_at"]
    lines += [f"O{i},C{i % 97},{'bad' if i % 1000 == 0 else f'{i % 5000}.{i % 100:02d}'},"
              f"{'2024/3/' + str(1 + i % 28) if i % 2 else '2024-03-01 10:00:00'}"
              for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    df, info, issues = load_table("orders", path)
    assert info.rows_rejected == n // 1000
    assert info.rows_loaded == n - n // 1000
    assert df["ordered_at"].null_count() == 0
    assert int(df["amount"].sum()) == sum(
        (i % 5000) * 100 + i % 100 for i in range(n) if i % 1000)
