"""Run a command and watch its whole process tree: wall time, summed resident memory and CPU
time polled from /proc, the exact peak of the largest process from ``/usr/bin/time -v``, and
a watchdog (memory of the tree, time, memory left on the machine). Linux only."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
HZ = os.sysconf("SC_CLK_TCK")
GIB = 2**30
TIME = "/usr/bin/time"


# -- process tree -------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for task in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((task / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(task.name))
    return kids


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc, at this instant)."""
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def cpu_ticks(pids: list[int], seen: dict[int, int]) -> None:
    """Record utime + stime (clock ticks) of each process; the last value seen counts."""
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            seen[p] = int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            continue


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def available_bytes() -> int:
    """MemAvailable of the machine (what can still be allocated without swapping/OOM)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 1 << 62


def _kill(pids: list[int]) -> None:
    for p in reversed(pids):  # children first, then their parents
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)


def _time_v(text: str) -> dict[str, float]:
    def num(label: str) -> float:
        m = re.search(rf"{re.escape(label)}: ([\d.]+)", text)
        return float(m.group(1)) if m else float("nan")

    return {"user_s": num("User time (seconds)"), "sys_s": num("System time (seconds)"),
            "peak_proc_rss_gib": round(num("Maximum resident set size (kbytes)") / 2**20, 3)}


def measure(argv: list[str], env: dict[str, str], max_rss_gib: float, timeout: float,
            poll: float, min_free_gib: float = 0.0) -> dict[str, Any]:
    """Run ``argv`` under ``/usr/bin/time -v``; poll the summed RSS of its process tree.
    Killed above ``max_rss_gib``, after ``timeout`` s, or when the machine has less than
    ``min_free_gib`` available (on a shared machine the kernel would kill someone)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, \
            tempfile.TemporaryFile("w+") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen([TIME, "-v", "-o", tf.name, *argv], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
        peak, killed, ticks = 0, "", dict[int, int]()
        while proc.poll() is None:
            pids = tree(proc.pid)
            peak = max(peak, rss_bytes(pids))
            cpu_ticks(pids, ticks)
            elapsed = time.perf_counter() - t0
            free = available_bytes()
            if peak > max_rss_gib * GIB:
                killed = f"tree RSS {peak / GIB:.2f} GiB > {max_rss_gib} GiB"
            elif elapsed > timeout:
                killed = f"timeout {timeout:.0f} s"
            elif free < min_free_gib * GIB:
                killed = (f"machine has {free / GIB:.2f} GiB available < {min_free_gib} GiB "
                          f"(tree RSS {rss_bytes(pids) / GIB:.2f} GiB)")
            if killed:
                _kill(pids[1:])  # not /usr/bin/time itself: it still reports CPU time
                proc.wait()
                break
            time.sleep(poll)
        wall = time.perf_counter() - t0
        log.seek(0)
        err = log.read()
        res: dict[str, Any] = {"wall_s": round(wall, 2), "exit_code": proc.returncode,
                               "peak_tree_rss_gib": round(peak / GIB, 3),
                               "tree_cpu_s": round(sum(ticks.values()) / HZ, 1)}
        res.update(_time_v(tf.read()))
    # polling can miss a short peak of one process; /usr/bin/time cannot (but sees no sums)
    res["peak_rss_gib"] = max(res["peak_tree_rss_gib"], res["peak_proc_rss_gib"])
    if not killed and proc.returncode in (137, -9):
        killed = "SIGKILL from outside (the kernel's OOM killer? see dmesg)"
    if killed:
        res["killed"] = killed
    tail = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("\t")]
    if proc.returncode not in (0, 1) and tail:
        res["stderr_tail"] = tail[-8:]
    return res
