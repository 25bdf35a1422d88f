"""One read of a whole input file: its SHA-256 and where it stops being UTF-8 text.

Light on purpose (no polars, no numpy): the command begins these reads for the files named
on its command line before it loads its libraries (:func:`begin`), so the hashing of a large
file runs while the interpreter imports, on a core that would otherwise wait. A stream opened
later takes the result (:func:`scan`) if the file is unchanged, and reads the file itself
otherwise.
"""

from __future__ import annotations

import codecs
import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

BLOCK = 1 << 24
Key = tuple[str, int, int]  # resolved path, size, modification time (ns)


@dataclass
class ByteScan:
    """One read of the whole file: its digest and where it first stops being UTF-8."""

    sha256: str
    bad_at: int | None = None  # offset of the first byte that is not UTF-8
    nul_at: int | None = None  # offset of the first NUL byte
    path: Path | None = None

    @property
    def bad_line(self) -> int:
        return self._line(self.bad_at)

    @property
    def nul_line(self) -> int | None:
        return None if self.nul_at is None else self._line(self.nul_at)

    def _line(self, offset: int | None) -> int:
        """Line of a byte offset, counted on the error path only (a second read up to it)."""
        if offset is None or self.path is None:
            return 0
        lines = 0
        with self.path.open("rb") as f:
            while offset > 0:
                chunk = f.read(min(BLOCK, offset))
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                offset -= len(chunk)
        return lines + 1


def scan_bytes(path: Path, check_utf8: bool) -> ByteScan:
    h = hashlib.sha256()
    dec = codecs.getincrementaldecoder("utf-8")()
    out = ByteScan("", path=path)
    offset = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(BLOCK), b""):
            h.update(chunk)
            if check_utf8 and out.nul_at is None and (nul := chunk.find(b"\x00")) >= 0:
                out.nul_at = offset + nul
            # ASCII is UTF-8: decode (slow, holding the interpreter) only the rest, or an
            # ASCII chunk that must finish a character the previous chunk began
            if check_utf8 and out.bad_at is None and not (
                    chunk.isascii() and not dec.getstate()[0]):
                try:
                    dec.decode(chunk)
                except UnicodeDecodeError as e:
                    out.bad_at = offset + max(e.start - (len(e.object) - len(chunk)), 0)
            offset += len(chunk)
    if check_utf8 and out.bad_at is None:
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            out.bad_at = offset
    out.sha256 = h.hexdigest()
    return out


_EARLY: dict[Key, Future[ByteScan]] = {}
_LOCK = threading.Lock()


def _key(path: Path) -> Key | None:
    try:
        st = path.stat()
        return str(path.resolve()), st.st_size, st.st_mtime_ns
    except OSError:
        return None


def begin(paths: Iterable[Path]) -> None:
    """Read these files (UTF-8 checked) in a background thread, one after another."""
    todo: list[tuple[Path, Future[ByteScan]]] = []
    with _LOCK:
        for p in paths:
            k = _key(p)
            if k is not None and k not in _EARLY:
                _EARLY[k] = Future()
                todo.append((p, _EARLY[k]))
    if not todo:
        return

    def work() -> None:
        for p, fut in todo:
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(scan_bytes(p, True))
                except BaseException as e:  # the stream reads the file itself
                    fut.set_exception(e)

    threading.Thread(target=work, name="mlm-audit-byte-scan", daemon=True).start()


def scan(path: Path, check_utf8: bool) -> ByteScan:
    """:func:`scan_bytes`, from a read :func:`begin` started if the file is unchanged."""
    k = _key(path)
    with _LOCK:
        early = _EARLY.pop(k, None) if k is not None else None
    if early is not None:
        try:
            got = early.result()
        except Exception:
            got = None
        if got is not None and _key(path) == k:
            return got if check_utf8 else replace(got, bad_at=None, nul_at=None)
    return scan_bytes(path, check_utf8)
