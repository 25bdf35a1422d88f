"""Atomic runs: kill -9 in the middle of a write, and two writers at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlm_audit import store

ROOT = Path(__file__).resolve().parents[2]
WRITER = [sys.executable, str(Path(__file__).with_name("writer.py"))]


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*WRITER, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.02)


def _counts(db_path: Path) -> tuple[list[int], dict[int, int]]:
    db = store.open_store(db_path, create=False)
    runs = [r["id"] for r in store.history(db)]
    per_run = {int(r): int(n) for r, n in db.execute(
        "SELECT run_id, count(*) FROM findings GROUP BY run_id").fetchall()}
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    return runs, per_run


def test_kill_during_write_leaves_no_partial_run(tmp_path: Path) -> None:
    db_path = tmp_path / "audit.db"
    first = _spawn(str(db_path), "300", "complete")
    assert first.wait(60) == 0, first.stderr.read().decode() if first.stderr else ""
    marker = tmp_path / "in-transaction"
    victim = _spawn(str(db_path), "20000", "killed", "--pause-at-half", "60",
                    "--marker", str(marker))
    _wait_for(marker, victim)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    assert victim.returncode == -signal.SIGKILL
    runs, per_run = _counts(db_path)
    assert runs == [1]  # the complete run survives, the killed one left nothing
    assert per_run == {1: 300}
    # the store is still writable after the crash
    again = _spawn(str(db_path), "10", "after")
    assert again.wait(60) == 0
    runs, per_run = _counts(db_path)
    assert len(runs) == 2 and sorted(per_run.values()) == [10, 300]


def test_two_writers_at_once_both_land(tmp_path: Path) -> None:
    db_path = tmp_path / "fresh" / "audit.db"  # both also race to create the schema
    go = tmp_path / "go"
    marker = tmp_path / "a-holds-lock"
    a = _spawn(str(db_path), "6000", "a", "--go", str(go), "--pause-at-half", "1.0",
               "--marker", str(marker))
    b = _spawn(str(db_path), "4000", "b", "--go", str(go))
    go.write_text("go")
    _wait_for(marker, a)  # a is inside its transaction: b must queue behind it
    for p in (a, b):
        assert p.wait(120) == 0, p.stderr.read().decode() if p.stderr else ""
    runs, per_run = _counts(db_path)
    assert len(runs) == 2
    assert sorted(per_run.values()) == [4000, 6000]


OPENER = """
import sys, time
from pathlib import Path
from mlm_audit import store
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
store.open_store(Path(sys.argv[1]))
"""


def test_many_processes_creating_one_new_store_all_open_it(tmp_path: Path) -> None:
    # SQLite may answer "locked" at once, bypassing the busy timeout, while another process
    # switches a new file to WAL; every opener must still get the store.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(8):
        d = tmp_path / str(round_)
        d.mkdir()
        go = d / "go"
        procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(d / "audit.db"), str(go)],
                                  cwd=ROOT, env=env, stderr=subprocess.PIPE)
                 for _ in range(6)]
        time.sleep(0.5)
        go.write_text("go")
        for p in procs:
            assert p.wait(120) == 0, p.stderr.read().decode() if p.stderr else ""
        runs, _ = _counts(d / "audit.db")
        assert runs == []
