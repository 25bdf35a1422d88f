from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mlm_audit import preflight
from mlm_audit.network import Network
from mlm_audit.schema import Dataset


def network(agents: list[tuple[str, str | None]], fees: dict[str, int] | None = None,
            orders: pl.DataFrame | None = None, payouts: pl.DataFrame | None = None) -> Network:
    """A preflighted network from (agent_id, sponsor_id) pairs; fees in minor units."""
    fees = fees or {}
    df = pl.DataFrame({
        "agent_id": [a for a, _ in agents],
        "sponsor_id": [s for _, s in agents],
        "joined_at": [dt.datetime(2024, 1, 1)] * len(agents),
        "fees_paid": [fees.get(a, 0) for a, _ in agents],
    }, schema_overrides={"sponsor_id": pl.String})
    net, _ = preflight.run(Dataset.from_frames(df, orders, payouts))
    return net


@pytest.fixture
def make_network():  # type: ignore[no-untyped-def]
    return network
