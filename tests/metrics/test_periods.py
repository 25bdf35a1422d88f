"""Period keys and labels: the scalar and the expression forms agree."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mlm_audit.metrics import periods


@pytest.mark.parametrize("window", ["month", "quarter", "year", "all"])
def test_scalar_and_expression_labels_agree(window: periods.Window) -> None:
    ts = [dt.datetime(y, m, 1) for y in (999, 2023, 2024) for m in (1, 3, 4, 12)]
    df = pl.DataFrame({"t": ts}).with_columns(periods.period_key("t", window))
    labels = df.select(periods.period_label_expr(pl.col("pk"), window).alias("p"))["p"].to_list()
    assert labels == [periods.period_label(k, window) for k in df["pk"]]
    assert labels == df.select(periods.period_expr("t", window).alias("p"))["p"].to_list()
    if window == "month":
        assert labels[:2] == ["0999-01", "0999-03"]


def test_money_evidence_pair_suffix() -> None:
    assert periods.money("paid", -120050, "_text") == {"paid": -120050, "paid_text": "-1,200.50"}
    assert periods.money_text(1234, per=1) == "1,234"
