"""Read-ahead keeps order, raises where the source raised, and stops when closed early."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlm_audit.io import bytescan
from mlm_audit.io.prefetch import prefetch


def test_items_in_order() -> None:
    assert list(prefetch(iter(range(100)), depth=2)) == list(range(100))


def test_empty_source() -> None:
    assert list(prefetch(iter([]))) == []


def test_error_raised_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad row 3")

    got: list[int] = []
    with pytest.raises(ValueError, match="bad row 3"):
        for x in prefetch(source()):
            got.append(x)
    assert got == [1, 2]


def test_early_close_stops_the_worker_and_closes_the_source() -> None:
    closed = threading.Event()
    produced: list[int] = []

    def source() -> Iterator[int]:
        try:
            for i in range(1000):
                produced.append(i)
                yield i
        finally:
            closed.set()

    it = prefetch(source(), depth=1)
    assert next(it) == 0
    it.close()  # type: ignore[attr-defined]
    assert closed.wait(5)
    assert len(produced) <= 3  # read ahead by at most depth + 1
    assert not any(t.name == "mlm-audit-read-ahead" and t.is_alive()
                   for t in threading.enumerate())


@pytest.mark.parametrize("cut", [1, 2])
def test_utf8_check_sees_a_character_split_before_an_ascii_chunk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: int) -> None:
    """A chunk of pure ASCII skips decoding, unless it must complete the character the
    previous chunk began: a truncated character followed by ASCII is still caught."""
    monkeypatch.setattr(bytescan, "BLOCK", 8)
    ok = tmp_path / "ok.csv"
    ok.write_bytes(b"a,b\n1,\xe4\xb8\xad\n" + b"x" * 40 + b"\n")
    assert bytescan.scan_bytes(ok, True).bad_at is None
    bad = tmp_path / "bad.csv"
    head = b"a,b\n123"[: 8 - cut] + "中".encode()[:cut]  # the first block ends mid-character
    bad.write_bytes(head + b"x" * 40 + b"\n")
    assert bytescan.scan_bytes(bad, True).bad_at == 8



def test_byte_scan_names_the_line_of_the_first_bad_byte_and_nul(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bytescan, "BLOCK", 8)
    f = tmp_path / "x.csv"
    f.write_bytes(b"a,b\n1,2\n3,4\n5,\xff\n6,\x007\n8,\xfe\n")
    scan = bytescan.scan_bytes(f, True)
    assert (scan.bad_at, scan.bad_line) == (14, 4)
    assert (scan.nul_at, scan.nul_line) == (18, 5)
    clean = tmp_path / "ok.csv"
    clean.write_bytes(b"a,b\n1,2\n" * 5)
    scan = bytescan.scan_bytes(clean, True)
    assert scan.bad_at is None and scan.nul_line is None
