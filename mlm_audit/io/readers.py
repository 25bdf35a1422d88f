"""Read a file into a raw table: format by extension, text encoding detected from the bytes.

Delimited text and spreadsheets are read as text so that nothing is lost before coercion: a
bad amount is reported with its original spelling. Typed formats (Parquet, JSON) keep their
column types; :mod:`mlm_audit.io.coerce` turns either into canonical types.

``_row`` locates each record in its file: for CSV/TSV and XLSX it is the spreadsheet row
(the header is row 1, or the row it is really on in a sheet with title rows above it); for
NDJSON it is the line; for JSON arrays and Parquet it is the record number from 1. Rows with
no value at all are skipped and counted (``blank_rows``), never silently.
"""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from mlm_audit.io import bytescan, text
from mlm_audit.model import InputError
from mlm_audit.schema import ROW

FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
           ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".parquet": "parquet",
           ".pq": "parquet"}
SNIFF_BYTES = 1 << 20


@dataclass
class RawTable:
    df: pl.DataFrame  # columns as in the file, plus _row
    path: str
    sha256: str
    encoding: str
    format: str
    blank_rows: int = 0


def sha256_file(path: Path) -> str:
    """The file's SHA-256 (from a read the command began early, if any: bytescan)."""
    return bytescan.scan(path, False).sha256


def read_raw(path: Path, table: str | None = None) -> RawTable:
    """Read one input file. Every failure is an :class:`InputError` naming the file."""
    fmt = check_file(path)
    # hashing releases the GIL: it runs beside the parse instead of before it
    hasher = ThreadPoolExecutor(max_workers=1)
    digest_job = hasher.submit(sha256_file, path)
    try:
        if fmt in ("csv", "tsv"):
            df, enc = text.read_delimited(path, fmt)
        elif fmt == "xlsx":
            df, enc = _read_xlsx(path, table), "xlsx"
        elif fmt == "parquet":
            df, enc = _plain(pl.read_parquet(path)).with_row_index(ROW, offset=1), "binary"
        else:
            df, enc = _read_json(path, fmt)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    except _reader_errors() as e:
        first = (str(e).splitlines() or [type(e).__name__])[0]
        raise InputError(f"{path}: cannot read as {fmt}: {first}") from None
    finally:
        hasher.shutdown(wait=True)
    digest = digest_job.result()
    df = df.with_columns(pl.col(ROW).cast(pl.Int64))
    df, blank = _drop_blank_rows(df)
    return RawTable(df, str(path), digest, enc, fmt, blank)


def check_file(path: Path) -> str:
    """The format of an input file by its extension, after the checks every reader makes."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file")
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    fmt = FORMATS.get(path.suffix.lower())
    if path.suffix.lower() in (".xls", ".et"):
        raise InputError(f"{path}: {path.suffix} is the old binary spreadsheet format; open it "
                         "in Excel or WPS and save it as .xlsx (or export CSV)")
    if fmt is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(no extension)'!r}; expected one "
            f"of {', '.join(sorted(FORMATS))}"
        )
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty; expected a header row and data")
    return fmt


def _reader_errors() -> tuple[type[BaseException], ...]:
    """What the format libraries raise on files they cannot parse: bad input, exit 2. Any
    other exception is a bug in this package and must surface as one (exit 3)."""
    import zipfile

    import fastexcel

    return (pl.exceptions.PolarsError, OSError, ValueError, EOFError, zipfile.BadZipFile,
            fastexcel.FastExcelError, UnicodeError)


def _drop_blank_rows(df: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    cols = [c for c in df.columns if c != ROW]
    if not cols or df.height == 0:
        return df, 0
    def empty(c: str) -> pl.Expr:
        return (pl.col(c).is_null() | (pl.col(c) == "")) if df.schema[c] == pl.String \
            else pl.col(c).is_null()

    # a blank row is empty in its first column too: test the rest only where that holds
    first = df.select(empty(cols[0]).alias("b"))["b"]
    if not first.any():
        return df, 0
    mask = df.select(pl.all_horizontal([empty(c) for c in cols]).alias("b"))["b"]
    n = int(mask.sum())
    return (df.filter(~mask), n) if n else (df, 0)


# -- XLSX ------------------------------------------------------------------------------
def _read_xlsx(path: Path, table: str | None) -> pl.DataFrame:
    """Read a sheet as text with fastexcel (calamine), locating rows with openpyxl.

    The sheet is the one named like the table (``agents``...) or else the first. Title rows
    above the header are skipped: the header is the first row with two or more values.
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except fastexcel.FastExcelError as e:
        raise InputError(f"not a readable XLSX workbook ({str(e).splitlines()[0]})") from None
    names = reader.sheet_names
    wanted = [n for n in names if table and n.strip().lower() == table]
    sheet = wanted[0] if wanted else names[0]
    grid = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
    first_row = _first_used_row(path, sheet)
    nonempty = grid.select(pl.sum_horizontal(
        [(pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")).cast(pl.Int32)
         for c in grid.columns]).alias("n"))["n"].to_numpy()
    used = np.flatnonzero(nonempty > 0)
    if used.size == 0:
        raise InputError(f"sheet {sheet!r} has no data; expected a header row")
    lead = int(used[0])  # calamine may include styled empty rows above the data
    head = np.flatnonzero(nonempty[:lead + 20] >= 2)
    h = int(head[0]) if head.size else lead
    header = [v.strip() if v else "" for v in grid.row(h)]
    names_ = _name_columns(header)
    body = grid.slice(h + 1).rename(dict(zip(grid.columns, names_, strict=True)))
    keep = [n for n, raw in zip(names_, header, strict=True) if raw or
            body[n].drop_nulls().len()]
    rows = pl.int_range(0, body.height, eager=True) + (first_row + (h - lead) + 1)
    return body.select(keep).with_columns(rows.cast(pl.Int64).alias(ROW))


def _first_used_row(path: Path, sheet: str) -> int:
    """Spreadsheet row number of the first row holding a value (calamine's frame starts
    there). Streams only the top of the sheet."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet]
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if any(v is not None and str(v).strip() != "" for v in values):
                return r
            if r > 10_000:
                break
        return 1
    finally:
        wb.close()


def _name_columns(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        name = h or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


# -- JSON / NDJSON ---------------------------------------------------------------------
def _read_json(path: Path, fmt: str) -> tuple[pl.DataFrame, str]:
    data = path.read_bytes()
    enc = text.detect_encoding(data[:SNIFF_BYTES], final=len(data) <= SNIFF_BYTES)
    try:
        body = data.decode(enc)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"line {line}: invalid {enc} text (byte {e.start}); save the file "
                         "as UTF-8") from None
    if fmt == "json":
        return _json_array(body), enc
    return _ndjson(body), enc


def _json_array(body: str) -> pl.DataFrame:
    stripped = body.lstrip()
    if not stripped:
        raise InputError("file is empty; expected a JSON array of records")
    if not stripped.startswith("["):
        raise InputError("expected a JSON array of records ([{...}, ...]); for one record "
                         "per line use the .ndjson extension")
    try:
        df = pl.read_json(io.StringIO(body), infer_schema_length=None)
    except (pl.exceptions.PolarsError, ValueError):  # locate it with the standard parser
        df = _records(_json_loads(body), "record")
    return _plain(df).with_row_index(ROW, offset=1)


def _json_loads(body: str) -> object:
    try:
        return json.loads(body)
    except json.JSONDecodeError as e:
        raise InputError(f"line {e.lineno}, column {e.colno}: invalid JSON: {e.msg}") from None


def _records(data: object, what: str, rows: list[int] | None = None) -> pl.DataFrame:
    if not isinstance(data, list):
        raise InputError("expected a JSON array of records")
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            where = f"line {rows[i]}" if rows else f"{what} {i + 1}"
            raise InputError(f"{where}: expected an object with named fields, found "
                             f"{type(rec).__name__}")
    cols: dict[str, list[str | None]] = {}
    for i, rec in enumerate(data):
        for k, v in rec.items():
            cols.setdefault(str(k), [None] * len(data))[i] = _json_text(v)
    for c in cols.values():
        c.extend([None] * (len(data) - len(c)))
    return pl.DataFrame({k: pl.Series(k, v, dtype=pl.String) for k, v in cols.items()},
                        height=len(data))


def _json_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return json.dumps(v)


def _ndjson(body: str) -> pl.DataFrame:
    raw = body.encode("utf-8")
    lines = _nonblank_lines(raw)
    if lines.size == 0:
        raise InputError("file has no records; expected one JSON object per line")
    try:
        df = pl.read_ndjson(io.BytesIO(raw), infer_schema_length=None)
        if df.height != lines.size:
            raise ValueError("record count differs from line count")
    except (pl.exceptions.PolarsError, ValueError):  # locate it with the standard parser
        texts = [ln for ln in body.splitlines() if ln.strip()]
        parsed = []
        for ln, t in zip(lines.tolist(), texts, strict=True):
            try:
                parsed.append(json.loads(t))
            except json.JSONDecodeError as e:
                raise InputError(f"line {ln}, column {e.colno}: invalid JSON: {e.msg}") from None
        df = _records(parsed, "line", lines.tolist())
    return _plain(df).with_columns(pl.Series(ROW, lines, dtype=pl.Int64))


def _nonblank_lines(data: bytes) -> np.ndarray:
    """1-based numbers of lines holding anything but whitespace (vectorized over bytes)."""
    b = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(b == 10)
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [b.size]))
    solid = ~np.isin(b, np.frombuffer(b" \t\r\n\x0b\x0c", dtype=np.uint8))
    cum = np.concatenate(([0], np.cumsum(solid, dtype=np.int64)))
    has = cum[ends] - cum[starts] > 0
    return (np.flatnonzero(has) + 1).astype(np.int64)


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Keep scalar columns as typed; nested values become JSON text (never dropped)."""
    nested = [c for c, t in df.schema.items() if t.is_nested() or t == pl.Object]
    if not nested:
        return df
    return df.with_columns(
        pl.col(c).map_elements(
            lambda v: json.dumps(v.to_list() if isinstance(v, pl.Series) else v,
                                 ensure_ascii=False, default=str),
            return_dtype=pl.String, skip_nulls=True)
        for c in nested)

