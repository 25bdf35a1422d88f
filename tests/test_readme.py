"""Every ``mlm-audit`` command in the README runs, from a scratch directory, without an input
error or an internal error."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from mlm_audit.cli.main import run_cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    cmds = [line.strip() for b in blocks for line in b.splitlines()]
    return [c for c in cmds if c.startswith("mlm-audit ")]


def test_readme_has_a_tour():
    assert len(commands()) >= 15


def test_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    for cmd in commands():
        code = run_cli(shlex.split(cmd)[1:])
        captured = capsys.readouterr()
        assert code in (0, 1), f"{cmd!r} exited {code}: {captured.err[-2000:]}"
    assert (tmp_path / "audit.html").stat().st_size > 1000
    assert (tmp_path / "evidence.zip").is_file()
