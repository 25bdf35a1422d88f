"""``audit --engine spark`` end to end: the same JSON report as the local engine on the same
typed Parquet files, and input errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from mlm_audit.cli.main import run_cli  # noqa: E402
from mlm_audit.generate import Spec, generate  # noqa: E402
from mlm_audit.io import load_dataset  # noqa: E402
from mlm_audit.packs.loader import shipped_packs  # noqa: E402


@pytest.fixture(scope="module", params=["stocking", "pyramid"])
def typed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated network as typed Parquet (minor-unit money, timestamps)."""
    raw, out = tmp_path_factory.mktemp("raw"), tmp_path_factory.mktemp("typed")
    generate(request.param, Spec(300, 2, orders_per_agent=4), raw)
    ds = load_dataset(raw)
    for table in ("agents", "orders", "payouts"):
        getattr(ds, table).drop("_row").write_parquet(out / f"{table}.parquet")
    (out / "minor.yaml").write_text("agents: {money_unit: minor}\norders: {money_unit: minor}\n"
                                    "payouts: {money_unit: minor}\n")
    return out


def _audit(typed: Path, engine: str, out: Path, capsys: pytest.CaptureFixture[str]
           ) -> dict[str, Any]:
    packs = [a for name in shipped_packs() for a in ("--pack", name)]  # every shipped pack
    code = run_cli(["audit", str(typed), "--engine", engine, "--mapping",
                    str(typed / "minor.yaml"), *packs, "--no-store",
                    "-f", "json", "-o", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 1), err[-2000:]
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def test_same_report_as_local(spark: Any, typed: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    local = _audit(typed, "local", tmp_path / "local.json", capsys)
    remote = _audit(typed, "spark", tmp_path / "spark.json", capsys)
    assert len(local["findings"]) > 5, "the scenario should give findings"
    assert len({f["rule_id"] for f in local["findings"]}) > 3
    for key in local:
        assert local[key] == remote[key], key


def test_text_input_is_an_input_error(spark: Any, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "agents.csv").write_text("agent_id,sponsor_id\nA,\n")
    assert run_cli(["audit", str(tmp_path), "--engine", "spark", "--no-store"]) == 2
    assert "reads Parquet files or Spark tables" in capsys.readouterr().err
