"""Streamed batches equal the whole-file loader: frames, row accounting and data issues."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mlm_audit.io import load_table
from mlm_audit.io.mapping import MappingFile
from mlm_audit.io.stream import TableStream, open_stream
from mlm_audit.model import InputError
from tests.conftest import csv_text

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
EN = ("order_id", "buyer_id", "seller_id", "amount", "ordered_at", "kind", "returned_amount",
      "note")
ZH = ("订单号", "买家", "推广员ID", "实付金额", "下单时间", "订单类型", "退款金额", "备注")


def messy_rows(n: int = 640) -> list[tuple[str, ...]]:
    """Orders with every loader problem, spread so that they cross batch boundaries: more
    than 200 bad amounts (a counting issue), bad dates, missing ids, unknown kinds, bad
    optional money, blank rows."""
    rows: list[tuple[str, ...]] = []
    for i in range(n):
        if i % 50 == 17:
            rows.append(("",) * len(EN))
            continue
        oid = "" if i % 97 == 5 else f"O{i}"
        amount = (f"x{i}" if i % 5 in (1, 2) else "12.345" if i % 7 == 0 else
                  "￥1,200.50" if i % 3 == 0 else f"{i}.25")
        when = ("2024/3/1" if i % 11 == 0 else "not a date" if i % 13 == 0 else "" if
                i % 17 == 0 else f"2024-03-{1 + i % 28:02d} 10:00:00")
        kind = ("零售" if i % 4 == 0 else "进货" if i % 4 == 1 else "" if i % 9 == 0 else
                f"odd{i % 3}")
        refund = "bad" if i % 19 == 0 else "0"
        rows.append((oid, f"A{i % 50}", f"A{i % 7}" if i % 2 else "", amount, when, kind,
                     refund, f"n{i}"))
    return rows


def assert_same(table: str, path: Path, rows: int = 3, m: MappingFile | None = None,
                one_batch: bool = False, early: bool = False) -> TableStream:
    """``early``: the first pass begun by ``start()`` before it is read."""
    df, info, issues = load_table(table, path, m)
    s = open_stream(table, path, m, batch_rows=rows)
    if early:
        s.start()
    got = list(s.batches())
    if not one_batch:
        assert max(b.height for b in got) <= rows
        assert len(got) >= df.height // rows
    assert_frame_equal(pl.concat(got), df)
    assert s.info == info
    assert s.issues == issues
    return s


@pytest.mark.parametrize("name", ["wechat_shop", "canonical"])
@pytest.mark.parametrize("table", ["agents", "orders", "payouts"])
def test_sample_csv_streams_like_the_loader(name: str, table: str):
    assert_same(table, SAMPLES / name / f"{table}.csv")


@pytest.mark.parametrize("table", ["agents", "orders", "payouts"])
def test_sample_xlsx_is_one_batch(table: str):
    s = assert_same(table, SAMPLES / "brand_xlsx" / f"{table}.xlsx", one_batch=True)
    assert len(list(s.batches())) == 1


@pytest.mark.parametrize("header,sep,encoding,suffix", [
    (EN, ",", "utf-8", ".csv"), (EN, "\t", "utf-8", ".tsv"), (ZH, ",", "gbk", ".csv"),
    (ZH, ",", "utf-8-sig", ".csv"), (ZH, "\t", "utf-16", ".tsv"), (EN, ";", "utf-8", ".txt"),
])
@pytest.mark.parametrize("rows,early", [(3, False), (7, True), (1000, False), (1000, True)])
def test_messy_delimited(tmp_path: Path, header: tuple[str, ...], sep: str, encoding: str,
                         suffix: str, rows: int, early: bool):
    path = tmp_path / f"orders{suffix}"
    path.write_bytes(csv_text(header, messy_rows(), sep).encode(encoding))
    s = assert_same("orders", path, rows, early=early)
    codes = {i.code for i in s.issues}
    assert codes == {"missing_value", "bad_value", "bad_date", "unknown_kind",
                     "unmapped_column", "blank_rows"}
    counting = [i for i in s.issues if i.code == "bad_value" and i.row is None]
    assert counting and counting[0].count > 0  # the > 200 rows case is exercised
    assert s.info.rows_rejected > 0


def _records() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, r in enumerate(messy_rows(400)):
        rec: dict[str, object] = {k: v for k, v in zip(EN, r, strict=True) if v != ""}
        if i % 6 == 0 and "amount" in rec and str(rec["amount"]).endswith(".25"):
            rec["amount"] = float(str(rec["amount"]))  # typed numbers beside text
        out.append(rec)
    return out


def test_messy_ndjson(tmp_path: Path):
    path = tmp_path / "orders.ndjson"
    lines = []
    for i, rec in enumerate(_records()):
        lines.append(json.dumps(rec, ensure_ascii=False))
        if i % 31 == 0:
            lines.append("   ")  # blank lines keep their numbers
    lines.append(json.dumps({"order_id": "late", "amount": "1", "extra_key": {"a": [1]}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_same("orders", path, 5)


def test_ndjson_in_gbk(tmp_path: Path):
    path = tmp_path / "orders.jsonl"
    path.write_bytes("\n".join(json.dumps(r, ensure_ascii=False) for r in _records())
                     .encode("gb18030"))
    assert open_stream("orders", path).batches  # opens
    s = assert_same("orders", path, 11)
    assert s.info.encoding == "gb18030"


def test_messy_parquet(tmp_path: Path):
    path = tmp_path / "orders.parquet"
    df = pl.DataFrame([list(r) for r in messy_rows()], schema=list(EN), orient="row")
    df = df.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
                         for c in EN)
    df.with_columns(pl.int_range(0, df.height).alias("qty")).write_parquet(
        path, row_group_size=100)
    assert_same("orders", path, 9)


def test_json_array_and_xlsx_are_one_batch(tmp_path: Path):
    recs = _records()
    jpath = tmp_path / "orders.json"
    jpath.write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    assert_same("orders", jpath, 3, one_batch=True)
    xpath = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(EN))
    for r in messy_rows(300):
        ws.append([v or None for v in r])
    wb.save(xpath)
    assert_same("orders", xpath, 3, one_batch=True)


def test_columns_select_and_keep_the_same_rows(tmp_path: Path):
    path = tmp_path / "orders.csv"
    path.write_text(csv_text(EN, messy_rows()), encoding="utf-8")
    df, _, issues = load_table("orders", path)
    s = open_stream("orders", path, batch_rows=13)
    want = df.select("buyer_id", "seller_id", "_row")
    # before any full pass: the required columns are read to find the rejected rows
    assert_frame_equal(pl.concat(s.batches(columns=["buyer_id", "seller_id"])), want)
    with pytest.raises(RuntimeError):
        _ = s.info
    assert_frame_equal(pl.concat(s.batches()), df)
    # after it: only the asked columns, the rejected rows dropped by their numbers
    assert_frame_equal(pl.concat(s.batches(columns=["buyer_id", "seller_id"])), want)
    assert_frame_equal(pl.concat(s.batches(columns=["kind"])), df.select("kind", "_row"))
    assert_frame_equal(pl.concat(s.batches()), df)
    assert s.issues == issues  # recorded once, never twice
    with pytest.raises(ValueError):
        list(s.batches(columns=["nope"]))


def test_parquet_columns_read_only_those(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "orders.parquet"
    pl.DataFrame({"order_id": ["a", "b"], "amount": ["1", "2"], "buyer_id": ["x", "y"],
                  "big": ["z" * 10, "w"]}).write_parquet(path)
    s = open_stream("orders", path)
    list(s.batches())
    seen: list[list[str]] = []
    from mlm_audit.io import stream_read

    real = stream_read.parquet_batches

    def spy(src: Path, cols: list[str] | None, rows: int):  # type: ignore[no-untyped-def]
        for b in real(src, cols, rows):
            seen.append(b.columns)
            yield b

    monkeypatch.setattr(stream_read, "parquet_batches", spy)
    out = pl.concat(s.batches(columns=["buyer_id"]))
    assert out.columns == ["buyer_id", "_row"]
    assert seen == [["buyer_id", "_row"]]


def test_large_csv_is_read_in_bounded_batches(tmp_path: Path):
    path = tmp_path / "orders.csv"
    n = 200_000
    pl.DataFrame({"order_id": [f"O{i}" for i in range(n)], "buyer_id": "A1",
                  "amount": "12.50", "ordered_at": "2024-03-01 10:00:00"}).write_csv(path)
    s = open_stream("orders", path, batch_rows=10_000)
    heights = [b.height for b in s.batches()]
    assert sum(heights) == n and max(heights) <= 10_000 and len(heights) >= 20
    assert s.info.rows_read == n and s.info.rows_loaded == n


def test_missing_column_fails_at_open_like_the_loader(tmp_path: Path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,who\nO1,A1\n", encoding="utf-8")
    with pytest.raises(InputError) as whole:
        load_table("orders", path)
    with pytest.raises(InputError) as streamed:
        open_stream("orders", path)
    assert str(streamed.value) == str(whole.value)


def test_malformed_row_late_in_the_file_is_located(tmp_path: Path):
    path = tmp_path / "orders.csv"
    rows = [(f"O{i}", "A1", "1") for i in range(50)] + [("O50", "A1", "1,2,3")]
    path.write_text(csv_text(("order_id", "buyer_id", "amount"), rows).replace('"', ""),
                    encoding="utf-8")
    with pytest.raises(InputError) as whole:
        load_table("orders", path)
    with pytest.raises(InputError) as streamed:
        list(open_stream("orders", path, batch_rows=7).batches())
    assert str(streamed.value) == str(whole.value)


@pytest.mark.parametrize("early", [False, True])
def test_gbk_after_a_long_utf8_looking_prefix(tmp_path: Path, early: bool):
    # the first megabyte is plain ASCII; GBK bytes come later: the whole file decides
    rows = [(f"O{i}", "A1", "1.00") for i in range(80_000)] + [("代理", "A1", "2")]
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_text(("order_id", "buyer_id", "amount"), rows).encode("gbk"))
    s = assert_same("orders", path, 30_000, early=early)
    assert s.info.encoding == "gb18030"


@pytest.mark.parametrize("early", [False, True])
def test_undecodable_text_is_an_input_error(tmp_path: Path, early: bool):
    """Begun early, the pass still raises where it is read, with the same words."""
    path = tmp_path / "orders.csv"
    body = b"order_id,buyer_id,amount\n" + b"O1,A1,1\n" * 200_000 + b"O2,\xff\xff\xff,1\n"
    path.write_bytes(body)
    with pytest.raises(InputError) as whole:
        load_table("orders", path)
    s = open_stream("orders", path)
    if early:
        s.start()  # the error is the reader's, not start()'s
    with pytest.raises(InputError) as streamed:
        list(s.batches())
    assert str(streamed.value) == str(whole.value)


def test_a_pass_begun_early_and_not_read_stops_when_closed(tmp_path: Path):
    import threading

    path = tmp_path / "orders.csv"
    path.write_text(csv_text(("order_id", "buyer_id", "amount"),
                             [(f"O{i}", "A1", "1.00") for i in range(5000)]), encoding="utf-8")
    s = open_stream("orders", path, batch_rows=100)
    s.start()
    s.close()
    assert not any(t.name == "mlm-audit-read-ahead" and t.is_alive()
                   for t in threading.enumerate())
    assert sum(b.height for b in s.batches()) == 5000  # read again in full when asked



@pytest.mark.parametrize("rows", [2, 1000])
def test_sep_hint_line_streams_with_the_loader_row_numbers(tmp_path: Path, rows: int):
    """The reader numbers the rows past a ``sep=`` line as the whole-file loader does."""
    path = tmp_path / "orders.csv"
    path.write_text("sep=;\n" + csv_text(EN, messy_rows(40), ";"), encoding="utf-8")
    s = assert_same("orders", path, rows)
    assert s.info.rows_read > 30


def test_streamed_rows_keep_their_numbers_across_reader_chunks(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    """polars reads the file in many small chunks here: ``_row`` follows the records."""
    monkeypatch.setenv("POLARS_CSV_CHUNK_SIZE", "2048")
    path = tmp_path / "orders.csv"
    path.write_text(csv_text(EN, messy_rows(3000)), encoding="utf-8")
    assert_same("orders", path, 700)
