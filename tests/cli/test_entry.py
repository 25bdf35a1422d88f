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


def test_only_reading_commands_size_polars_pool() -> None:
    """audit and validate run threads of their own and give polars a core fewer; generate
    keeps polars' whole pool (a fresh interpreter each: the pool is sized when polars loads)."""
    def pool(*argv: str) -> str:
        probe = ("import os, sys, types; from mlm_audit.cli import entry\n"
                 "fake = types.ModuleType('mlm_audit.cli.main')  # the command, not polars\n"
                 "fake.run_cli = lambda: print(os.environ.get('POLARS_MAX_THREADS')) or 0\n"
                 "sys.modules['mlm_audit.cli.main'] = fake\n"
                 f"sys.argv = ['mlm-audit', *{list(argv)!r}]\n"
                 "entry.run()")
        env = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                              text=True, check=True)
        return done.stdout.strip()

    from mlm_audit.cli import memory

    fewer = str(max(memory.usable_cores() - 1, 1))
    assert pool("audit", str(SAMPLES / "canonical")) == fewer
    assert pool("--quiet", "validate", str(SAMPLES / "canonical")) == fewer
    assert pool("generate", "retail") == "None"
