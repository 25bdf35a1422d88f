"""Shared test helpers: tiny canonical datasets written to tmp_path in any format."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

Rows = Sequence[Sequence[object]]


@pytest.fixture(autouse=True)
def _store_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> None:
    """``audit`` records runs by default; keep every test's store out of the working tree."""
    monkeypatch.setenv("MLM_AUDIT_STORE", str(tmp_path_factory.mktemp("store") / "audit.db"))
WriteCsv = Callable[..., Path]


def csv_text(header: Sequence[str], rows: Rows, sep: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """``write_csv(name, header, rows, encoding="utf-8", sep=",")`` -> path in tmp_path."""

    def write(name: str, header: Sequence[str], rows: Rows, encoding: str = "utf-8",
              sep: str = ",") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(csv_text(header, rows, sep).encode(encoding))
        return path

    return write


AGENT_HEADER = ("agent_id", "sponsor_id", "joined_at", "fees_paid")
ORDER_HEADER = ("order_id", "buyer_id", "seller_id", "amount", "ordered_at", "kind")
PAYOUT_HEADER = ("payout_id", "recipient_id", "amount", "paid_at", "kind", "source_agent_id")


@pytest.fixture
def clean_dir(write_csv: WriteCsv, tmp_path: Path) -> Path:
    """A small sound dataset: two organizations, three levels, sales and commissions."""
    write_csv("clean/agents.csv", AGENT_HEADER, [
        ("A", "", "2024-01-01", "100"), ("B", "A", "2024-01-02", "100"),
        ("C", "B", "2024-01-03", "0"), ("D", "A", "2024-01-04", "0"),
        ("E", "", "2024-01-05", "0"),
    ])
    write_csv("clean/orders.csv", ORDER_HEADER, [
        ("O1", "X1", "B", "120.00", "2024-02-01", "retail"),
        ("O2", "C", "B", "35.50", "2024-02-02", "self_purchase"),
    ])
    write_csv("clean/payouts.csv", PAYOUT_HEADER, [
        ("P1", "B", "24.00", "2024-02-10", "retail_commission", "B"),
        ("P2", "A", "3.60", "2024-02-10", "override", "B"),
    ])
    return tmp_path / "clean"
