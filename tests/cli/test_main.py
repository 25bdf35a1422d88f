"""Exit codes of the CLI entry point (DESIGN.md §7)."""

from __future__ import annotations

from pathlib import Path

from mlm_audit.cli.main import EXIT_INPUT, EXIT_INTERNAL, run_cli


def write_chain(dir_: Path, depth: int) -> Path:
    rows = ["agent_id,sponsor_id,fees_paid"]
    rows += [f"a{i},{'' if i == 0 else f'a{i - 1}'},100" for i in range(depth)]
    (dir_ / "agents.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return dir_


def test_version(capsys):
    assert run_cli(["--version"]) == 0
    assert "mlm-audit" in capsys.readouterr().out


def test_audit_pass_and_fail_on(tmp_path, capsys):
    data = write_chain(tmp_path, 5)
    assert run_cli(["audit", str(data), "--fail-on", "critical", "--format", "json"]) == 0
    assert run_cli(["audit", str(data), "--fail-on", "info", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"BASE-DEPTH"' in out


def test_usage_error_is_exit_2(capsys):
    assert run_cli(["audit", "--no-such-option"]) == EXIT_INPUT
    assert run_cli(["audit", "x", "--fail-on", "severe"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "--fail-on" in err and "severe" in err


def test_missing_data_is_exit_2(tmp_path, capsys):
    assert run_cli(["audit", str(tmp_path / "nope")]) == EXIT_INPUT
    assert "no such file or directory" in capsys.readouterr().err


def test_unknown_pack_suggests_a_name(tmp_path, capsys):
    data = write_chain(tmp_path, 2)
    assert run_cli(["audit", str(data), "--pack", "baselin"]) == EXIT_INPUT
    assert "did you mean 'baseline'" in capsys.readouterr().err


def test_bad_override_is_exit_2(tmp_path, capsys):
    data = write_chain(tmp_path, 2)
    assert run_cli(["audit", str(data), "--set", "BASE-DEPTH.max_level=4"]) == EXIT_INPUT
    assert "did you mean 'max_levels'" in capsys.readouterr().err


def test_internal_error_is_exit_3_without_traceback(tmp_path, capsys, monkeypatch):
    from mlm_audit import pipeline

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(pipeline, "prepare", boom)
    data = write_chain(tmp_path, 2)
    assert run_cli(["audit", str(data)]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "kaboom" in err and "Traceback" not in err


def test_a_full_disk_is_exit_2_and_says_what_to_do(tmp_path, capsys, monkeypatch):
    """The temporary directory filling up is the machine's condition, not a bug: exit 2, no
    traceback, the file named and TMPDIR suggested; other OS errors stay internal."""
    import errno

    from mlm_audit import pipeline

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/spill/part-3.arrow")

    monkeypatch.setattr(pipeline, "prepare", full)
    data = write_chain(tmp_path, 2)
    assert run_cli(["audit", str(data), "--no-store"]) == EXIT_INPUT
    err = " ".join(capsys.readouterr().err.split())
    assert "No space left on device (/tmp/spill/part-3.arrow)" in err
    assert "TMPDIR" in err and "Traceback" not in err and "internal error" not in err

    def denied(*a, **k):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(pipeline, "prepare", denied)
    assert run_cli(["audit", str(data), "--no-store"]) == EXIT_INTERNAL
    assert "internal error" in capsys.readouterr().err
