from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlm_audit.model import AuditResult
from tests.reports.sample import sample_result

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="session")
def sample() -> AuditResult:
    return sample_result()


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/reports/golden/<name>; UPDATE_GOLDEN=1 rewrites it on purpose."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.is_file(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"
