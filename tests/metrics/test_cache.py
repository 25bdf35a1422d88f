"""The per-network view cache: one build per key, even when rules ask side by side."""

from __future__ import annotations

import threading
import time

import polars as pl

from mlm_audit import preflight
from mlm_audit.metrics.sources import cached, forget
from mlm_audit.schema import Dataset


def _net():
    agents = pl.DataFrame({"agent_id": ["a", "b"], "sponsor_id": [None, "a"]})
    return preflight.run(Dataset.from_frames(agents))[0]


def test_callers_side_by_side_share_one_build():
    net = _net()
    builds: list[int] = []
    start = threading.Barrier(4)

    def build() -> int:
        builds.append(1)
        time.sleep(0.05)  # long enough for the other callers to arrive meanwhile
        return len(builds)

    got: list[int] = []

    def ask() -> None:
        start.wait()
        got.append(cached(net, "view", build))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert builds == [1]
    assert got == [1, 1, 1, 1]


def test_keys_are_built_apart_and_forgotten_with_the_facts():
    net = _net()
    assert cached(net, "x", lambda: 1) == 1
    assert cached(net, "y", lambda: 2) == 2
    assert cached(net, "x", lambda: 3) == 1
    forget(net)
    assert cached(net, "x", lambda: 4) == 4
