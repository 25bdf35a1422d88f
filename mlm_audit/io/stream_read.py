"""Raw batches of a large file, parsed exactly as :func:`mlm_audit.io.readers.read_raw` does.

CSV/TSV and Parquet go through polars' streaming scans (the same parsers the whole-file
reader uses, so quoting, ragged rows and types agree); NDJSON likewise, with each record's
line number found by counting lines beside the scan. Text that is not UTF-8 is transcoded
once into a temporary UTF-8 copy, in bounded pieces. Every raw batch carries ``_row``
numbered as the whole-file reader numbers it; blank rows are left for the caller.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
import polars as pl

from mlm_audit.io import text
from mlm_audit.io.bytescan import BLOCK
from mlm_audit.io.readers import _nonblank_lines, _plain
from mlm_audit.model import InputError
from mlm_audit.schema import ROW

UTF8 = ("utf-8", "utf-8-sig")


def transcode(path: Path, enc: str, what: str) -> Path:
    """A temporary UTF-8 copy of a text file (leading BOMs dropped), written in pieces.
    ``what`` words the error for undecodable bytes: ``{line}`` and ``{start}`` are filled."""
    dec = codecs.getincrementaldecoder(enc)()
    fd, name = tempfile.mkstemp(prefix="mlm-audit-", suffix=path.suffix)
    offset = lines = 0
    start = True
    try:
        with path.open("rb") as f, os.fdopen(fd, "wb") as out:
            for chunk in chain(iter(lambda: f.read(BLOCK), b""), [b""]):
                try:
                    txt = dec.decode(chunk, final=not chunk)
                except UnicodeDecodeError as e:
                    at = max(e.start - (len(e.object) - len(chunk)), 0)
                    raise InputError(what.format(line=lines + chunk.count(b"\n", 0, at) + 1,
                                                 start=offset + at)) from None
                if start and txt:
                    txt = txt.lstrip("\ufeff")
                    start = not txt
                out.write(txt.encode("utf-8"))
                offset += len(chunk)
                lines += chunk.count(b"\n")
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _bounded(frames: Iterator[pl.DataFrame], rows: int) -> Iterator[pl.DataFrame]:
    for b in frames:
        yield from (b.iter_slices(rows) if b.height > rows else (b,))


# -- CSV / TSV -------------------------------------------------------------------------
@dataclass
class Delimited:
    sep: str
    skip: int
    names: dict[str, str]  # header as polars reads it -> cleaned name (read_delimited's)

    @classmethod
    def sniff(cls, head: bytes, enc: str, fmt: str) -> Delimited:
        """Delimiter, ``sep=`` line and header names from the first bytes (decoded)."""
        txt = codecs.getincrementaldecoder(enc)("replace").decode(head).lstrip("\ufeff")
        first, skip = text._first_line(txt)
        sep = text.sniff_delimiter(first, fmt)
        if skip:
            sep = first[4:5] or sep
            first, _ = text._first_line(txt.split("\n", 1)[1] if "\n" in txt else "")
        if not first.strip():
            raise InputError("no header row: the first line is empty")
        body = txt[: txt.rfind("\n") + 1] or txt
        cols = pl.read_csv(io.BytesIO(body.encode("utf-8")), separator=sep, infer_schema=False,
                           n_rows=0, skip_rows=skip, truncate_ragged_lines=False,
                           raise_if_empty=False).columns
        return cls(sep, skip, text._clean_names(cols))

    def batches(self, src: Path, cols: list[str] | None, rows: int) -> Iterator[pl.DataFrame]:
        # the reader numbers the rows itself: ``_row`` comes in the same chunks as the other
        # columns (a column of one chunk beside columns of many makes polars copy every
        # column into one chunk at the batch's first select)
        lf = pl.scan_csv(src, separator=self.sep, infer_schema=False, raise_if_empty=False,
                         truncate_ragged_lines=False, skip_rows=self.skip, encoding="utf8",
                         row_index_name=ROW, row_index_offset=2 + self.skip)
        back = {v: k for k, v in self.names.items()}
        if cols is not None:
            lf = lf.select([*(back[c] for c in cols), ROW])
        lf = lf.with_columns(pl.col(ROW).cast(pl.Int64))
        try:
            for b in _bounded(lf.collect_batches(chunk_size=rows), rows):
                yield b.rename({c: self.names[c] for c in b.columns if c != ROW})
        except pl.exceptions.ComputeError as e:
            raise text._located(src, self.sep, self.skip, str(e)) from None


# -- Parquet ---------------------------------------------------------------------------
def parquet_columns(path: Path) -> list[str]:
    return list(pl.scan_parquet(path).collect_schema().names())


def parquet_batches(path: Path, cols: list[str] | None, rows: int) -> Iterator[pl.DataFrame]:
    lf = pl.scan_parquet(path, row_index_name=ROW, row_index_offset=1)  # as CSV: same chunks
    if cols is not None:
        lf = lf.select([*cols, ROW])
    lf = lf.with_columns(pl.col(ROW).cast(pl.Int64))
    for b in _bounded(lf.collect_batches(chunk_size=rows), rows):
        yield _plain(b)


# -- NDJSON ----------------------------------------------------------------------------
def ndjson_columns(src: Path) -> list[str]:
    with src.open("rb") as f:
        if not any(line.strip() for line in f):
            raise InputError("file has no records; expected one JSON object per line")
    try:
        return list(pl.scan_ndjson(src, infer_schema_length=None).collect_schema().names())
    except (pl.exceptions.PolarsError, ValueError) as e:
        raise _json_located(src, e) from None


def ndjson_batches(src: Path, cols: list[str] | None, rows: int) -> Iterator[pl.DataFrame]:
    lf = pl.scan_ndjson(src, infer_schema_length=None)
    if cols is not None:
        lf = lf.select(cols)
    lines = _line_numbers(src)
    held = np.zeros(0, dtype=np.int64)
    try:
        for b in _bounded(lf.collect_batches(chunk_size=rows), rows):
            while held.size < b.height:
                more = next(lines, None)
                if more is None:
                    raise ValueError("record count differs from line count")
                held = np.concatenate((held, more))
            yield _plain(b).with_columns(pl.Series(ROW, held[: b.height], dtype=pl.Int64))
            held = held[b.height:]
    except (pl.exceptions.PolarsError, ValueError) as e:
        raise _json_located(src, e) from None


def _line_numbers(src: Path) -> Iterator[np.ndarray]:
    """Numbers of the lines holding a record, a block of the file at a time."""
    base = 0
    rest = b""
    with src.open("rb") as f:
        for chunk in chain(iter(lambda: f.read(BLOCK), b""), [b""]):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if cut == 0:
                rest = data
                continue
            part, rest = data[:cut], data[cut:]
            found = _nonblank_lines(part[:-1] if part.endswith(b"\n") else part)
            yield found + base
            base += part.count(b"\n")


def _json_located(src: Path, err: Exception) -> InputError:
    """The first line the standard parser rejects (error path only, one line at a time)."""
    with src.open("r", encoding="utf-8", newline="\n") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                return InputError(f"line {n}, column {e.colno}: invalid JSON: {e.msg}")
            if not isinstance(rec, dict):
                return InputError(f"line {n}: expected an object with named fields, found "
                                  f"{type(rec).__name__}")
    first = (str(err).splitlines() or [type(err).__name__])[0]
    return InputError(f"cannot read as ndjson: {first}")
