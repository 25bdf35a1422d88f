"""Canonical tables (DESIGN.md §2): the contract between loaders and everything else.

Money is held as ``Int64`` minor units (fen / cents) so sums for evidence are exact.
Timestamps are naive ``Datetime("us")``. Every loaded row keeps ``_row``, its 1-based
line (or record) number in the source file; the file itself is recorded per table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mlm_audit.model import DataIssue, InputInfo

ROW = "_row"
MONEY = pl.Int64
TS = pl.Datetime("us")
MINOR_UNITS = 100  # two decimal places: fen, cents

ORDER_KINDS = ("retail", "self_purchase", "stock_up", "starter_kit", "fee", "return")
PAYOUT_KINDS = (
    "retail_commission", "recruitment_bonus", "override", "team_bonus", "rank_bonus", "other",
)

AGENTS: dict[str, pl.DataType] = {
    "agent_id": pl.String(),
    "sponsor_id": pl.String(),
    "joined_at": TS,
    "name": pl.String(),
    "rank": pl.String(),
    "placement_id": pl.String(),
    "terminated_at": TS,
    "fees_paid": MONEY(),
}
ORDERS: dict[str, pl.DataType] = {
    "order_id": pl.String(),
    "buyer_id": pl.String(),
    "seller_id": pl.String(),
    "amount": MONEY(),
    "ordered_at": TS,
    "kind": pl.String(),
    "returned_amount": MONEY(),
}
PAYOUTS: dict[str, pl.DataType] = {
    "payout_id": pl.String(),
    "recipient_id": pl.String(),
    "amount": MONEY(),
    "paid_at": TS,
    "kind": pl.String(),
    "source_agent_id": pl.String(),
    "source_order_id": pl.String(),
}
# sponsor / seller values that mean "the company", not an agent
ROOT_MARKERS = ("", "0", "-1", "-", "none", "null", "company", "hq", "root", "总部", "公司", "平台")
SCHEMAS = {"agents": AGENTS, "orders": ORDERS, "payouts": PAYOUTS}
REQUIRED = {
    "agents": ("agent_id", "sponsor_id"),
    "orders": ("order_id", "buyer_id", "amount"),
    "payouts": ("payout_id", "recipient_id", "amount"),
}
# Columns that must have a value in every row; a row without one is rejected. An empty
# sponsor is a root and an empty buyer an anonymous external customer, so those columns are
# required as columns but may be empty.
REQUIRED_VALUES = {
    "agents": ("agent_id",),
    "orders": ("order_id", "amount"),
    "payouts": ("payout_id", "recipient_id", "amount"),
}
DEFAULTS: dict[str, dict[str, object]] = {
    "agents": {"fees_paid": 0},
    "orders": {"kind": "retail", "returned_amount": 0},
    "payouts": {"kind": "other"},
}


def empty(table: str) -> pl.DataFrame:
    """An empty canonical table (used when orders or payouts were not given)."""
    return pl.DataFrame(schema={**SCHEMAS[table], ROW: pl.Int64()})


def conform(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Add missing optional columns (null or default) and order columns canonically."""
    schema = SCHEMAS[table]
    defaults = DEFAULTS[table]
    if ROW not in df.columns:
        df = df.with_row_index(ROW, offset=1)
    # column by column, not one select: a select over columns in different chunks would
    # first copy every column into one chunk
    cols = []
    for name, dtype in {**schema, ROW: pl.Int64()}.items():
        if name in df.columns:
            cols.append(df[name].cast(dtype))
        else:
            one = pl.Series(name, [defaults.get(name)], dtype=dtype)
            cols.append(one.new_from_index(0, df.height))
    return pl.DataFrame(cols)


@dataclass
class Dataset:
    """Loaded canonical tables plus what loading learned about the input."""

    agents: pl.DataFrame
    orders: pl.DataFrame = field(default_factory=lambda: empty("orders"))
    payouts: pl.DataFrame = field(default_factory=lambda: empty("payouts"))
    inputs: list[InputInfo] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    has_orders: bool = False
    has_payouts: bool = False

    def source(self, table: str) -> str | None:
        for i in self.inputs:
            if i.table == table:
                return i.path
        return None

    @classmethod
    def from_frames(
        cls,
        agents: pl.DataFrame,
        orders: pl.DataFrame | None = None,
        payouts: pl.DataFrame | None = None,
    ) -> Dataset:
        """Build from already-canonical frames (tests, generators, the plan simulator)."""
        return cls(
            agents=conform("agents", agents),
            orders=conform("orders", orders) if orders is not None else empty("orders"),
            payouts=conform("payouts", payouts) if payouts is not None else empty("payouts"),
            has_orders=orders is not None,
            has_payouts=payouts is not None,
        )
