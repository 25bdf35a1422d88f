"""Reads begun before the command parses its arguments: taken only for the same file,
unchanged, and with the same answer as a read made then."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mlm_audit.cli.entry import early_inputs
from mlm_audit.io import bytescan


def _files(d: Path) -> None:
    for name in ("agents.csv", "orders.csv", "payouts.parquet", "notes.csv", "orders.xlsx"):
        (d / name).write_bytes(b"a,b\n1,2\n")


def test_early_inputs_are_the_files_an_audit_names(tmp_path: Path) -> None:
    _files(tmp_path)
    other = tmp_path / "more.tsv"
    other.write_bytes(b"x\n")
    got = early_inputs(["audit", str(tmp_path), "--format", "json", f"--payouts={other}"])
    assert sorted(p.name for p in got) == ["agents.csv", "more.tsv", "orders.csv",
                                           "payouts.parquet"]
    assert [p.name for p in early_inputs(["--debug", "validate", "--orders", str(other)])] == [
        "more.tsv"]
    assert early_inputs(["generate", "pyramid", "--out", str(tmp_path)]) == []
    assert early_inputs(["audit", str(tmp_path / "missing")]) == []
    assert early_inputs([]) == []


def test_a_read_begun_early_is_taken_once(tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_bytes("id\n订单\n".encode("gbk"))
    want = bytescan.scan_bytes(f, True)
    assert want.bad_at is not None  # not UTF-8: the check has something to find
    bytescan.begin([f])
    got = bytescan.scan(f, True)
    assert got == want
    assert bytescan.scan(f, False) == bytescan.scan_bytes(f, False)  # read again, unchecked
    bytescan.begin([f])
    unchecked = bytescan.scan(f, False)
    assert unchecked.sha256 == want.sha256 and unchecked.bad_at is None


def test_a_file_changed_after_the_early_read_is_read_again(tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_bytes(b"id\n1\n")
    bytescan.begin([f])
    bytescan.scan_bytes(f, True)  # let the early read finish first, most of the time
    f.write_bytes(b"id\n2\n")
    os.utime(f, ns=(1, 1))  # a different modification time whatever the clock's grain
    assert bytescan.scan(f, True) == bytescan.scan_bytes(f, True)


def test_the_entry_point_loads_no_data_library_before_the_reads_begin() -> None:
    import subprocess

    code = ("import sys, mlm_audit.cli.entry; "
            "print(sorted(m for m in ('polars', 'pyarrow', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["audit"], ["--version"]])
def test_the_entry_point_runs_the_command(argv: list[str]) -> None:
    import subprocess

    out = subprocess.run([sys.executable, "-m", "mlm_audit", *argv], capture_output=True,
                         text=True)
    assert out.returncode in (0, 2)
    assert "mlm-audit" in (out.stdout + out.stderr)
