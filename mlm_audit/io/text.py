"""Delimited text (CSV/TSV): encoding detected from the bytes, delimiter from the header.

UTF-8 (with or without BOM) when the bytes decode as UTF-8, else GB18030 (GBK's superset,
Excel's CSV on Chinese Windows), UTF-16 when it has a BOM (Excel's "Unicode text"). The
file name never decides the encoding. UTF-8 files are parsed straight from disk; other
encodings are decoded first.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import polars as pl

from mlm_audit.model import InputError
from mlm_audit.schema import ROW

SNIFF_BYTES = 1 << 20
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))


def decodes_as(data: bytes, enc: str, final: bool) -> bool:
    """True when ``data`` is valid ``enc``; ``final=False`` tolerates a cut last character."""
    try:
        codecs.getincrementaldecoder(enc)().decode(data, final=final)
        return True
    except UnicodeDecodeError:
        return False


def detect_encoding(data: bytes, final: bool = True) -> str:
    for bom, enc in BOMS:
        if data.startswith(bom):
            return enc
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(f"line {line}: NUL bytes: this is a binary file, not text; export "
                         "the data as CSV, XLSX, JSON or Parquet")
    if decodes_as(data, "utf-8", final):
        return "utf-8"
    if decodes_as(data, "gb18030", final):
        return "gb18030"
    try:
        data.decode("utf-8")
        start = 0
    except UnicodeDecodeError as e:
        start = e.start
    line = data[:start].count(b"\n") + 1
    raise InputError(f"line {line}: bytes are neither UTF-8 nor GBK/GB18030 text (byte offset "
                     f"{start}); re-export the file as UTF-8 CSV")


def sniff_delimiter(first_line: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_delimited(path: Path, fmt: str) -> tuple[pl.DataFrame, str]:
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    size = path.stat().st_size
    enc = detect_encoding(head, final=size <= SNIFF_BYTES)
    source: Path | io.BytesIO = path
    if enc not in ("utf-8", "utf-8-sig"):
        source, enc = _decoded(path.read_bytes(), enc)
    text_head = _head_text(source, head)
    first, skip = _first_line(text_head)
    sep = sniff_delimiter(first, fmt)
    if skip:  # Excel's "sep=;" hint line
        sep = first[4:5] or sep
        first, _ = _first_line(text_head.split("\n", 1)[1] if "\n" in text_head else "")
    if not first.strip():
        raise InputError("no header row: the first line is empty")
    try:
        df = _parse(source, sep, skip)
    except pl.exceptions.ComputeError as e:
        msg = str(e)
        if "utf-8" in msg.lower() and isinstance(source, Path):
            # The first megabyte was UTF-8 but later bytes are not: decide on the whole file.
            data = path.read_bytes()
            source, enc = _decoded(data, detect_encoding(data))
            try:
                df = _parse(source, sep, skip)
            except pl.exceptions.ComputeError as e2:
                raise _located(source, sep, skip, str(e2)) from None
        else:
            raise _located(source, sep, skip, msg) from None
    df = df.rename(_clean_names(df.columns))
    return df.with_row_index(ROW, offset=2 + skip), enc


def _decoded(data: bytes, enc: str) -> tuple[io.BytesIO, str]:
    try:
        txt = data.decode(enc)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"line {line}: bytes are not valid {enc} text (byte offset {e.start}); "
                         "re-export the file as UTF-8 CSV") from None
    return io.BytesIO(txt.lstrip("\ufeff").encode("utf-8")), enc


def _head_text(source: Path | io.BytesIO, head: bytes) -> str:
    raw = source.getvalue()[:SNIFF_BYTES] if isinstance(source, io.BytesIO) else head
    return raw.decode("utf-8", "replace").lstrip("\ufeff")


def _first_line(txt: str) -> tuple[str, int]:
    line = txt.split("\n", 1)[0].rstrip("\r")
    return line, int(line.lower().startswith("sep=") and len(line) <= 5)


def _parse(source: Path | io.BytesIO, sep: str, skip: int) -> pl.DataFrame:
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return pl.read_csv(source, separator=sep, infer_schema=False, truncate_ragged_lines=False,
                       raise_if_empty=False, skip_rows=skip, encoding="utf8")


def _clean_names(cols: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, c in enumerate(cols):
        name = c.strip().lstrip("\ufeff").strip() or f"column_{i + 1}"
        while name in out.values():
            name = f"{name}_{i + 1}"
        out[c] = name
    return out


def _located(source: Path | io.BytesIO, sep: str, skip: int, msg: str) -> InputError:
    """Find the record polars choked on with the standard csv module (error path only)."""
    if isinstance(source, io.BytesIO):
        txt = source.getvalue().decode("utf-8")
    else:
        txt = source.read_bytes().decode("utf-8", "replace").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(txt), delimiter=sep, strict=True)
    row = 1 + skip
    try:
        for _ in range(skip):
            next(reader, None)
        header = next(reader, [])
        for rec in reader:
            row += 1
            if len(rec) > len(header):
                return InputError(
                    f"row {row}: {len(rec)} fields but the header has {len(header)}; quote "
                    f"values that contain {sep!r} or fix the row")
    except csv.Error as e:
        return InputError(f"row {row + 1}: malformed CSV ({e}); look for a quote that is "
                          "not closed")
    return InputError(f"malformed CSV: {msg.splitlines()[0]}")
