"""A fixed, deterministic audit result for golden files: two organizations, money, and names
and ids crafted to break HTML, Markdown, CSV and XML if anything is left unescaped."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from mlm_audit import pipeline, preflight
from mlm_audit.model import AuditResult, InputInfo

CLOCK = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
SCRIPT_NAME = "<script>alert('x')</script>"
MD_NAME = "**bold** [link](javascript:alert(1)) | `tick` # h"
FORMULA_ID = '=HYPERLINK("http://evil.example","click")'
FORMULA_NAME = "@SUM(1+1)"
ORPHAN_SPONSOR = "ghost<img src=x onerror=alert(1)>"
FEE = 9_900  # 99.00 in minor units
PACK = Path(__file__).parent / "sample_pack.yaml"


def _agents() -> pl.DataFrame:
    rows: list[tuple[str, str | None, str]] = [("R1", None, SCRIPT_NAME)]
    for a in range(1, 6):
        rows.append((f"A{a}", "R1", f"agent A{a}"))
        for b in range(1, 4):
            rows.append((f"B{a}{b}", f"A{a}", f"agent B{a}{b}"))
            for c in range(1, 3):
                rows.append((f"C{a}{b}{c}", f"B{a}{b}", f"agent C{a}{b}{c}"))
    rows.append(("D1", "C111", MD_NAME))
    rows.append((FORMULA_ID, "D1", FORMULA_NAME))
    rows += [("R2", None, "small shop"), ("S1", "R2", "shop 1"), ("S2", "R2", "shop 2")]
    rows.append(("O1", ORPHAN_SPONSOR, "orphan"))  # a data issue whose message carries HTML
    return pl.DataFrame(
        {
            "agent_id": [r[0] for r in rows],
            "sponsor_id": [r[1] for r in rows],
            "name": [r[2] for r in rows],
            "fees_paid": [0 if r[0] in ("R1", "R2", "S1", "S2", "O1") else FEE for r in rows],
        }
    )


def _orders() -> pl.DataFrame:
    buyers = ["", "", "S1", "", "A1"]
    sellers = ["R2", "S1", "R2", "A1", "R1"]
    amounts = [12_000, 8_000, 5_000, 3_000, 20_000]
    kinds = ["retail", "retail", "retail", "retail", "stock_up"]
    return pl.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(1, 6)],
            "buyer_id": buyers,
            "seller_id": sellers,
            "amount": amounts,
            "kind": kinds,
        }
    )


def _payouts() -> pl.DataFrame:
    recipients = ["R1", "R1", "A1", "A2", "B11", "S1", "R2"]
    amounts = [150_000, 60_000, 30_000, 12_000, 5_000, 1_200, 2_000]
    kinds = ["recruitment_bonus", "override", "recruitment_bonus", "override",
             "recruitment_bonus", "retail_commission", "retail_commission"]
    return pl.DataFrame(
        {
            "payout_id": [f"P{i}" for i in range(1, 8)],
            "recipient_id": recipients,
            "amount": amounts,
            "kind": kinds,
        }
    )


def sample_result() -> AuditResult:
    from mlm_audit.schema import Dataset

    ds = Dataset.from_frames(_agents(), _orders(), _payouts())
    ds.inputs = [
        InputInfo("agents", "data/agents.csv", "a" * 64, "utf-8", "csv",
                  ds.agents.height, ds.agents.height, 0),
        InputInfo("orders", "data/orders.csv", "b" * 64, "utf-8", "csv",
                  ds.orders.height, ds.orders.height, 0),
        InputInfo("payouts", "data/payouts.csv", "c" * 64, "utf-8", "csv",
                  ds.payouts.height, ds.payouts.height, 0),
    ]
    net, issues = preflight.run(ds)
    prepared = pipeline.Prepared(net, issues, ds.inputs)
    packs = pipeline.load_packs([str(PACK)])
    result = pipeline.audit(prepared, packs)
    # pack paths are absolute on the machine that runs the test; golden files need them fixed
    for p in result.packs:
        p["path"] = "tests/reports/sample_pack.yaml"
    return result
