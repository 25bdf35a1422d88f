from __future__ import annotations

import polars as pl
import pytest

from mlm_audit import preflight
from mlm_audit.network import Network
from mlm_audit.schema import Dataset
from tests.checks._build_b import T0, frame


def network(agents: list[tuple[str, str | None]], fees: dict[str, int] | None = None,
            orders: pl.DataFrame | None = None, payouts: pl.DataFrame | None = None) -> Network:
    """A preflighted network from (agent_id, sponsor_id) pairs; fees in minor units."""
    fees = fees or {}
    df = frame("agents", [{"agent_id": a, "sponsor_id": s, "joined_at": T0,
                           "fees_paid": fees.get(a, 0)} for a, s in agents])
    net, _ = preflight.run(Dataset.from_frames(df, orders, payouts))
    return net


@pytest.fixture
def make_network():  # type: ignore[no-untyped-def]
    return network
