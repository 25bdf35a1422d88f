"""Malformed files are an InputError naming the file (and the line where there is one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlm_audit.io import load_dataset, load_table
from mlm_audit.model import InputError


def _err(table: str, path: Path) -> str:
    with pytest.raises(InputError) as e:
        load_table(table, path)
    return str(e.value)


def test_ragged_csv_line_is_located(tmp_path: Path):
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,sponsor_id\nA,\nB,A\nC,A,extra\n", encoding="utf-8")
    assert _err("agents", path) == (
        f"{path}: row 4: 3 fields but the header has 2; quote values that contain ',' or fix "
        "the row")


def test_short_csv_line_is_padded_not_an_error(tmp_path: Path):
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,sponsor_id,joined_at\nA\nB,A\n", encoding="utf-8")
    df, info, _ = load_table("agents", path)
    assert df["agent_id"].to_list() == ["A", "B"]
    assert info.rows_loaded == 2


def test_unterminated_quote(tmp_path: Path):
    path = tmp_path / "agents.csv"
    path.write_text('agent_id,sponsor_id\nA,"\nB,A\n', encoding="utf-8")
    assert _err("agents", path) == (f"{path}: row 2: malformed CSV (unexpected end of data); "
                                    "look for a quote that is not closed")


@pytest.mark.parametrize("content,expected", [
    (b"", "file is empty; expected a header row and data"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 3: NUL bytes: this is a binary file, not "
     "text; export the data as CSV, XLSX, JSON or Parquet"),
    (b"agent_id\n\xff\xfe\xfa\xfb\xff\n", "line 2: bytes are neither UTF-8 nor GBK/GB18030 "
     "text (byte offset 9); re-export the file as UTF-8 CSV"),
    (b"\n\nagent_id\nA\n", "no header row: the first line is empty"),
])
def test_garbage_csv(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "agents.csv"
    path.write_bytes(content)
    assert _err("agents", path) == f"{path}: {expected}"


def test_header_only_file_loads_empty(tmp_path: Path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,buyer_id,amount\n", encoding="utf-8")
    df, info, issues = load_table("orders", path)
    assert (df.height, info.rows_read, issues) == (0, 0, [])


def test_header_only_agents_cannot_be_audited(tmp_path: Path):
    from mlm_audit import preflight

    (tmp_path / "agents.csv").write_text("agent_id,sponsor_id\n", encoding="utf-8")
    ds = load_dataset(tmp_path)
    with pytest.raises(InputError, match="no agent rows could be loaded; nothing to audit"):
        preflight.run(ds)


@pytest.mark.parametrize("name,content,expected", [
    ("a.json", "[{\"agent_id\": \"A\"},\n {\"agent_id\": }]",
     "line 2, column 15: invalid JSON: Expecting value"),
    ("a.json", "{\"agent_id\": \"A\"}", "expected a JSON array of records ([{...}, ...]); for "
     "one record per line use the .ndjson extension"),
    ("a.json", "[1, 2]", "record 1: expected an object with named fields, found int"),
    ("a.ndjson", "{\"agent_id\": \"A\"}\n\n{\"agent_id\": \"B\"\n",
     "line 3, column 17: invalid JSON: Expecting ',' delimiter"),
    ("a.ndjson", "{\"agent_id\": \"A\"}\n[1]\n",
     "line 2: expected an object with named fields, found list"),
    ("a.ndjson", "\n \n", "file has no records; expected one JSON object per line"),
])
def test_broken_json(tmp_path: Path, name: str, content: str, expected: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert _err("agents", path) == f"{path}: {expected}"


@pytest.mark.parametrize("name", ["agents.xlsx", "agents.parquet"])
def test_garbage_binary_formats(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_bytes(b"this is not a workbook or a parquet file at all" * 10)
    msg = _err("agents", path)
    assert msg.startswith(f"{path}: ")
    assert "xlsx" in msg.lower() or "parquet" in msg.lower()


def test_unknown_extension_and_missing_file(tmp_path: Path):
    doc = tmp_path / "agents.docx"
    doc.write_bytes(b"PK")
    assert _err("agents", doc).startswith(f"{doc}: unsupported file type '.docx'; expected one "
                                          "of .csv, .json, .jsonl")
    assert _err("agents", tmp_path / "none.csv") == f"{tmp_path / 'none.csv'}: file not found"
    assert _err("agents", tmp_path) == f"{tmp_path}: is a directory, expected a file"


def test_directory_discovery(tmp_path: Path):
    (tmp_path / "agents.csv").write_text("agent_id,sponsor_id\nA,\n", encoding="utf-8")
    (tmp_path / "Orders.TSV").write_text("order_id\tbuyer_id\tamount\nO1\tC\t5\n",
                                         encoding="utf-8")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    ds = load_dataset(tmp_path)
    assert (ds.has_orders, ds.has_payouts) == (True, False)
    assert ds.orders["amount"].to_list() == [500]
    (tmp_path / "agents.xlsx").write_bytes(b"")
    with pytest.raises(InputError, match=r"several agents files \(agents.csv, agents.xlsx\); "
                                         r"name one with --agents"):
        load_dataset(tmp_path)


def test_directory_without_agents(tmp_path: Path):
    (tmp_path / "orders.csv").write_text("order_id,buyer_id,amount\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_dataset(tmp_path)
    assert str(e.value) == (f"{tmp_path}: no agents file (agents.csv, agents.xlsx, "
                            "agents.parquet, ...); name it with --agents")


def test_explicit_files_override_directory(tmp_path: Path):
    (tmp_path / "agents.csv").write_text("agent_id,sponsor_id\nA,\n", encoding="utf-8")
    other = tmp_path / "members_2024.csv"
    other.write_text("agent_id,sponsor_id\nX,\nY,X\n", encoding="utf-8")
    ds = load_dataset(tmp_path, agents=other)
    assert ds.agents["agent_id"].to_list() == ["X", "Y"]


def test_old_excel_format_says_what_to_do(tmp_path: Path):
    path = tmp_path / "agents.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert _err("agents", path) == (f"{path}: .xls is the old binary spreadsheet format; open "
                                    "it in Excel or WPS and save it as .xlsx (or export CSV)")


def test_directory_with_only_an_old_excel_agents_file(tmp_path: Path):
    (tmp_path / "agents.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError) as e:
        load_dataset(tmp_path)
    assert str(e.value) == (f"{tmp_path}: no agents file (agents.csv, agents.xlsx, "
                            "agents.parquet, ...) (agents.xls is not a supported format); name "
                            "it with --agents")
