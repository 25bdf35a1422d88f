"""The console entry point ends the process without tearing the interpreter down: the
report is complete, the exit code is the command's, and temporary files are gone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def test_fast_exit_keeps_output_code_and_cleanup(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLES / "wechat_shop", data)  # GBK: streamed through a UTF-8 copy
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "report.json"
    env = {**os.environ, "TMPDIR": str(tmp)}
    done = subprocess.run([sys.executable, "-m", "mlm_audit", "audit", str(data), "-f", "json",
                           "-o", str(out), "--no-store"], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 1, done.stderr  # the sample has findings at or above high
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["verdict"] == "fail" and report["findings"]
    assert {i["encoding"] for i in report["inputs"]} == {"gb18030"}
    assert list(tmp.iterdir()) == []  # the UTF-8 copies were removed at exit

    printed = subprocess.run([sys.executable, "-m", "mlm_audit", "audit", str(data), "-f",
                              "json", "--no-store"], env=env, capture_output=True, text=True)
    assert json.loads(printed.stdout)["summary"] == report["summary"]  # stdout flushed whole


def test_fast_exit_closes_the_store(tmp_path: Path) -> None:
    """The run is recorded and the store closed: its write-ahead log folded in, removed."""
    env = {**os.environ, "MLM_AUDIT_STORE": str(tmp_path / "audit.db")}
    done = subprocess.run([sys.executable, "-m", "mlm_audit", "audit",
                           str(SAMPLES / "canonical"), "-f", "json", "-o", os.devnull],
                          env=env, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.db"]
    listed = subprocess.run([sys.executable, "-m", "mlm_audit", "history", "--format", "json"],
                            env=env, capture_output=True, text=True, check=True)
    assert len(json.loads(listed.stdout)["runs"]) == 1
