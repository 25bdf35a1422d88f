"""Every store test runs with ``MLM_AUDIT_STORE`` in its own tmp dir, so a CLI call that
forgets ``--store`` still never writes into the working directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlm_audit import store
from tests.store.months import write_month


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(store.ENV_VAR, str(tmp_path / "default-store" / "audit.db"))
    yield


@pytest.fixture
def month1(tmp_path: Path) -> Path:
    return write_month(tmp_path / "m1", "2024-01")


@pytest.fixture
def month2(tmp_path: Path) -> Path:
    return write_month(tmp_path / "m2", "2024-02")
