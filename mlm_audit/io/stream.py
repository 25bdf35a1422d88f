"""Orders and payouts larger than memory, read in batches of canonical rows.

A :class:`TableStream` gives the frames :func:`mlm_audit.io.loader.load_table` would give,
cut into batches of at most ``batch_rows`` rows: same coercion, same ``_row`` numbers,
rejected rows removed. The first full pass records the row accounting (:attr:`info`) and the
data issues (:attr:`issues`), merged across batches so they equal the whole-file loader's;
later passes, and passes over a few columns (``columns=``), record nothing. Headers are
resolved when the stream is opened, so a missing column fails before any pass.

CSV/TSV, Parquet and NDJSON stream; XLSX and JSON arrays are read whole and give one batch.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import polars as pl

from mlm_audit.io import bytescan
from mlm_audit.io import stream_read as sr
from mlm_audit.io.loader import Sink, coerce_frame, file_issues, load_table
from mlm_audit.io.mapping import MappingFile, resolve
from mlm_audit.io.prefetch import ReadAhead, prefetch
from mlm_audit.io.readers import SNIFF_BYTES, _drop_blank_rows, _reader_errors, check_file
from mlm_audit.io.stream_merge import Merge, Quiet
from mlm_audit.io.text import detect_encoding
from mlm_audit.model import DataIssue, InputError, InputInfo
from mlm_audit.schema import REQUIRED_VALUES, ROW, SCHEMAS, conform


class TableStream:
    """Batches of one canonical table read from one file (see the module docstring)."""

    def __init__(self, table: str, path: Path, m: MappingFile | None, batch_rows: int) -> None:
        self.table = table
        self.path = str(path)
        self._file = path
        self._m = m or MappingFile()
        self._tm = getattr(self._m, table)
        self._rows = max(int(batch_rows), 1)
        self._fmt = check_file(path)
        self._info: InputInfo | None = None
        self._issues: list[DataIssue] = []
        self._excluded: np.ndarray | None = None  # _row of blank and rejected rows
        self._whole: pl.DataFrame | None = None
        self._src = path  # the UTF-8 text (or the file) the scans read
        self._scan: Future[bytescan.ByteScan] | None = None
        self._verified = False
        self._early: ReadAhead[pl.DataFrame] | None = None  # a first pass begun by start()
        with _located(path, self._fmt):
            self._open()

    def _open(self) -> None:
        path, fmt = self._file, self._fmt
        if fmt in ("xlsx", "json"):
            self._whole, self._info, self._issues = load_table(self.table, path, self._m)
            self._excluded = np.zeros(0, dtype=np.int64)
            return
        self._enc = "binary"
        if fmt != "parquet":
            with path.open("rb") as f:
                head = f.read(SNIFF_BYTES)
            self._enc = detect_encoding(head, final=path.stat().st_size <= SNIFF_BYTES)
        pool = ThreadPoolExecutor(max_workers=1)
        self._scan = pool.submit(bytescan.scan, path, self._enc in sr.UTF8 and fmt != "parquet")
        pool.shutdown(wait=False)
        if fmt == "parquet":
            headers = sr.parquet_columns(path)
        elif fmt == "ndjson":
            if self._enc != "utf-8":
                self._use(sr.transcode(path, self._enc, "line {line}: invalid " + self._enc +
                                       " text (byte {start}); save the file as UTF-8"))
            headers = sr.ndjson_columns(self._src)
        else:
            self._csv = sr.Delimited.sniff(head, self._enc, fmt)
            if self._enc not in sr.UTF8:
                self._use(sr.transcode(path, self._enc, "line {line}: bytes are not valid "
                                       + self._enc + " text (byte offset {start}); re-export "
                                       "the file as UTF-8 CSV"))
            headers = list(self._csv.names.values())
        self._res = resolve(self.table, headers, self._tm, self.path)

    def _use(self, tmp: Path) -> None:
        self._src = tmp
        weakref.finalize(self, os.unlink, tmp)

    def _verify(self) -> None:
        """Before the first batch: the whole file must be the text its start promised (the
        whole-file reader decides on all the bytes; so does this, from the hashing read)."""
        if self._verified or self._scan is None:
            return
        scan = self._scan.result()
        self._verified = True
        if scan.bad_at is None:
            return
        if self._fmt == "ndjson":
            raise InputError(f"line {scan.bad_line}: invalid {self._enc} text (byte "
                             f"{scan.bad_at}); save the file as UTF-8")
        if scan.nul_line is not None:
            raise InputError(f"line {scan.nul_line}: NUL bytes: this is a binary file, not text; "
                             "export the data as CSV, XLSX, JSON or Parquet")
        where = f"line {scan.bad_line}: bytes are "
        if self._enc == "utf-8-sig":
            raise InputError(f"{where}not valid utf-8-sig text (byte offset {scan.bad_at}); "
                             "re-export the file as UTF-8 CSV")
        self._use(sr.transcode(self._file, "gb18030", f"{where}neither UTF-8 nor GBK/GB18030 "
                               f"text (byte offset {scan.bad_at}); re-export the file as UTF-8 "
                               "CSV"))
        self._enc = "gb18030"
        with self._src.open("rb") as f:
            self._csv = sr.Delimited.sniff(f.read(SNIFF_BYTES), "utf-8", self._fmt)
        self._res = resolve(self.table, list(self._csv.names.values()), self._tm, self.path)

    @property
    def info(self) -> InputInfo:
        if self._info is None:
            raise RuntimeError(f"{self.path}: row accounting is known after a full pass")
        return self._info

    @property
    def issues(self) -> list[DataIssue]:
        if self._info is None:
            raise RuntimeError(f"{self.path}: data issues are known after a full pass")
        return self._issues

    def start(self) -> None:
        """Begin the first full pass now, in the background: its first batches are read
        while the caller does other work (the agents load), and :meth:`batches` hands them
        out. Errors are raised there, as if the pass had begun then."""
        if self._whole is None and self._early is None and self._info is None:
            self._early = ReadAhead(self._verified_pass(None))

    def close(self) -> None:
        """Stop a pass begun by :meth:`start` that will not be read."""
        if self._early is not None:
            self._early.close()
            self._early = None

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
        """Canonical frames in file order. ``columns``: only these canonical columns (and
        ``_row``), the same rows."""
        if columns is not None:
            unknown = [c for c in columns if c not in SCHEMAS[self.table]]
            if unknown:
                raise ValueError(f"{self.table} has no column {', '.join(unknown)}")
        if self._whole is not None:
            yield self._whole if columns is None else self._whole.select(*columns, ROW)
            return
        if columns is None and self._early is not None:
            early, self._early = self._early, None
            yield from early
            return
        with _located(self._file, self._fmt):
            self._verify()
        yield from prefetch(self._pass(None if columns is None else list(columns)))

    def _verified_pass(self, columns: list[str] | None) -> Iterator[pl.DataFrame]:
        with _located(self._file, self._fmt):
            self._verify()
        yield from self._pass(columns)

    def _pass(self, columns: list[str] | None) -> Iterator[pl.DataFrame]:
        record = columns is None and self._info is None
        sink: Sink = Merge() if record else Quiet()
        want = set(columns or SCHEMAS[self.table])
        if columns is not None and self._excluded is None:
            want |= set(REQUIRED_VALUES[self.table])  # to know which rows are rejected
        mapped = {c: h for c, h in self._res.columns.items() if c in want}
        cols = None if columns is None else list(mapped.values())
        read = loaded = rejected = blank = 0
        excluded: list[np.ndarray] = []
        yielded = False
        for raw in self._read(cols):
            every = raw[ROW]
            if columns is None:
                raw, n_blank = _drop_blank_rows(raw)
                blank += n_blank
            df = raw.select([pl.col(h).alias(c) for c, h in mapped.items()] + [pl.col(ROW)])
            out, n_rej = coerce_frame(self.table, df, self._tm, self.path, sink)
            if record:
                read, loaded, rejected = read + raw.height, loaded + out.height, rejected + n_rej
                if out.height != every.len():
                    excluded.append(np.setdiff1d(every.to_numpy(), out[ROW].to_numpy()))
            if columns is not None:
                if self._excluded is not None and self._excluded.size:
                    out = out.filter(pl.Series(~np.isin(out[ROW].to_numpy(), self._excluded)))
                out = out.select(*columns, ROW)
            if out.height:
                yielded = True
                yield out
        if not yielded:
            empty = conform(self.table, pl.DataFrame(schema={ROW: pl.Int64}))
            yield empty if columns is None else empty.select(*columns, ROW)
        if record and isinstance(sink, Merge):
            assert self._scan is not None
            self._excluded = np.concatenate([np.zeros(0, dtype=np.int64), *excluded])
            self._issues = sink.finish() + file_issues(self.table, self.path,
                                                        self._res.ignored, blank)
            self._info = InputInfo(self.table, self.path, self._scan.result().sha256,
                                   self._enc, self._fmt, read, loaded, rejected)

    def _read(self, cols: list[str] | None) -> Iterator[pl.DataFrame]:
        if self._fmt == "parquet":
            it = sr.parquet_batches(self._src, cols, self._rows)
        elif self._fmt == "ndjson":
            it = sr.ndjson_batches(self._src, cols, self._rows)
        else:
            it = self._csv.batches(self._src, cols, self._rows)
        while True:
            with _located(self._file, self._fmt):
                raw = next(it, None)
            if raw is None:
                return
            yield raw


@contextmanager
def _located(path: Path, fmt: str) -> Iterator[None]:
    """Reader failures -> :class:`InputError` naming the file, as ``read_raw`` words them."""
    try:
        yield
    except InputError as e:
        if str(e).startswith(f"{path}:"):
            raise
        raise InputError(f"{path}: {e}") from None
    except _reader_errors() as e:
        first = (str(e).splitlines() or [type(e).__name__])[0]
        raise InputError(f"{path}: cannot read as {fmt}: {first}") from None


def open_stream(table: str, path: Path, m: MappingFile | None = None,
                batch_rows: int = 1_000_000) -> TableStream:
    """Open ``path`` as ``table`` (``orders``, ``payouts`` or ``agents``); headers are
    resolved now, rows are read by :meth:`TableStream.batches`."""
    return TableStream(table, Path(path), m, batch_rows)
