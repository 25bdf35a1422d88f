"""Read a file into an all-text table: format by content and extension, encoding detected.

Every value is read as text so that nothing is lost before coercion: a bad amount is
reported with its original spelling. ``_row`` is the 1-based row of the record in its file
(the header is row 1 in CSV/TSV/XLSX; records count from 1 in JSON/NDJSON/Parquet).
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mlm_audit.model import InputError
from mlm_audit.schema import ROW

FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
           ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".parquet": "parquet",
           ".pq": "parquet"}


@dataclass
class RawTable:
    df: pl.DataFrame  # String columns as in the file, plus _row
    path: str
    sha256: str
    encoding: str
    format: str


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, else GB18030 (GBK's
    superset, Excel's CSV on Chinese Windows) when they decode as that."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.isascii():  # fast for large exports: ASCII is UTF-8, no decode needed
        return "utf-8"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"line {line}: bytes are neither UTF-8 nor GBK/GB18030 text "
            f"(byte offset {e.start}); re-export the file as UTF-8 CSV"
        ) from None


def sniff_delimiter(first_line: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_raw(path: Path) -> RawTable:
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix!r}; expected one of "
            f"{', '.join(sorted(FORMATS))}"
        )
    # hash in a thread while the file is parsed (hashlib releases the GIL)
    hashing = ThreadPoolExecutor(max_workers=1)
    digest_job = hashing.submit(sha256_file, path)
    try:
        if fmt in ("csv", "tsv"):
            df, enc = _read_delimited(path, fmt)
        elif fmt == "xlsx":
            df, enc = _read_xlsx(path), "xlsx"
        elif fmt == "parquet":
            df, enc = _stringify(pl.read_parquet(path)), "binary"
            df = df.with_row_index(ROW, offset=1)
        else:
            df, enc = _read_json(path, fmt), "utf-8"
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, ValueError, OSError) as e:
        raise InputError(f"{path}: cannot read as {fmt}: {str(e).splitlines()[0]}") from None
    finally:
        hashing.shutdown(wait=True)
    digest = digest_job.result()
    return RawTable(df.with_columns(pl.col(ROW).cast(pl.Int64)), str(path), digest, enc, fmt)


def _is_ascii_file(path: Path) -> bool:
    with path.open("rb") as f:
        return all(chunk.isascii() for chunk in iter(lambda: f.read(1 << 24), b""))


def _read_delimited(path: Path, fmt: str) -> tuple[pl.DataFrame, str]:
    if _is_ascii_file(path):
        # plain ASCII (most machine exports): let the reader map the file itself rather than
        # holding a second copy of it in memory
        with path.open("rb") as f:
            head = f.read(1 << 16)
        first = head[: head.find(b"\n") if b"\n" in head else len(head)].decode("ascii")
        df = pl.read_csv(path, separator=sniff_delimiter(first, fmt), infer_schema=False,
                         truncate_ragged_lines=False, raise_if_empty=False)
        df = df.rename({c: c.strip() for c in df.columns})
        return df.with_row_index(ROW, offset=2), "utf-8"
    data = path.read_bytes()
    enc = detect_encoding(data)
    if enc == "gb18030":
        data = data.decode("gb18030").encode("utf-8")
    elif enc == "utf-8-sig":
        data = data[3:]
    first = data[: data.find(b"\n") if b"\n" in data else len(data)].decode("utf-8", "replace")
    sep = sniff_delimiter(first, fmt)
    df = pl.read_csv(
        io.BytesIO(data), separator=sep, infer_schema=False, truncate_ragged_lines=False,
        raise_if_empty=False,
    )
    df = df.rename({c: c.strip() for c in df.columns})
    return df.with_row_index(ROW, offset=2), enc


def _read_xlsx(path: Path) -> pl.DataFrame:
    import openpyxl  # local: only xlsx inputs pay for it

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return pl.DataFrame({ROW: []})
    names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    cols: list[list[str | None]] = [[] for _ in names]
    rownums: list[int] = []
    for r, values in enumerate(rows, start=2):
        if values is None or all(v is None or v == "" for v in values):
            continue
        rownums.append(r)
        for i in range(len(names)):
            v = values[i] if i < len(values) else None
            cols[i].append(_cell_text(v))
    wb.close()
    df = pl.DataFrame({n: pl.Series(n, c, dtype=pl.String) for n, c in zip(names, cols,
                                                                           strict=True)})
    return df.with_columns(pl.Series(ROW, rownums, dtype=pl.Int64))


def _cell_text(v: object) -> str | None:
    import datetime as dt

    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_json(path: Path, fmt: str) -> pl.DataFrame:
    text = path.read_bytes().decode(detect_encoding(path.read_bytes()))
    if fmt == "json" and text.lstrip().startswith("{"):
        raise InputError("expected a JSON array of records, found an object")
    df = pl.read_ndjson(io.StringIO(text)) if fmt == "ndjson" else pl.read_json(io.StringIO(text))
    return _stringify(df).with_row_index(ROW, offset=1)


def _stringify(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.all().cast(pl.String))
