"""The plan file (docs/plan-format.md): what a merchant's compensation plan promises.

Money is written in major units (``99.00`` = ¥99) and held as integer minor units. Rates are
fractions (``0.1`` = 10%). Every model forbids unknown keys so a typo is an error with its
``file:line`` rather than a silently ignored term.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from mlm_audit.schema import MINOR_UNITS


def _to_minor(value: Any) -> int:
    """Major units (number or text such as ``"1,980.00"``) -> exact integer minor units."""
    if isinstance(value, bool):
        raise ValueError("expected an amount such as 99.00")
    text = str(value).replace(",", "").replace("_", "").strip()
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"expected an amount such as 99.00, got {value!r}") from None
    minor = d * MINOR_UNITS
    if minor != minor.to_integral_value():
        raise ValueError(f"amount {value!r} has more than two decimals")
    if minor < 0:
        raise ValueError(f"amount {value!r} is negative")
    return int(minor)


Money = Annotated[int, BeforeValidator(_to_minor)]
Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_M):
    en: str = ""
    zh: str = ""


class Purchase(_M):
    amount: Money = 0
    mandatory: bool = True


class VipTier(_M):
    name: str = Field(min_length=1)
    price: Money
    unlocks: list[Literal["commission", "recruiting", "discount", "rebate", "rank"]] = Field(
        default_factory=list,
        description="What buying the tier gives; 'commission' or 'recruiting' make it a gate.",
    )


class Join(_M):
    fee: Money = 0
    starter_kit: Purchase = Field(default_factory=lambda: Purchase(amount=0, mandatory=False))
    first_purchase: Purchase = Field(
        default_factory=lambda: Purchase(amount=0, mandatory=False)
    )
    vip_tiers: list[VipTier] = Field(default_factory=list)


class Recruitment(_M):
    by: Literal["participants", "company"] = Field(
        "participants", description="Who may recruit new participants.")
    max_depth: int | None = Field(None, ge=1, description="Cap on the recruitment tree, if any.")


Basis = Literal["own_retail", "downline_sales", "downline_purchases"]


class Level(_M):
    generation: int = Field(ge=0, le=50, description="0 = own sales; 1 = direct recruits' …")
    rate: Rate
    basis: Basis


class Bonus(_M):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    kind: Literal["recruitment", "team", "rank", "pool"]
    amount: Money = Field(0, description="Fixed amount (recruitment: per recruit).")
    rate: Rate = Field(0.0, description="Share of the basis volume (team, rank, pool).")
    from_generation: int = Field(
        1, ge=1, le=50, description="Recruitment: first generation paid (1 = direct).")
    generations: int | None = Field(
        None, ge=1, le=50,
        description="Recruitment: paid for recruits this many generations down (1 = direct);"
                    " team: generations counted (empty = the whole downline).")
    basis: Literal["team_volume", "company_revenue", "own_retail"] = "team_volume"
    rank: str | None = Field(None, description="Only agents at this rank or above earn it.")


class Qualify(_M):
    personal_purchase: Money = Field(0, description="Own purchases per month.")
    recruits: int = Field(0, ge=0, description="Direct recruits (a headcount).")
    team_size: int = Field(0, ge=0, description="People in the downline (a headcount).")
    team_volume: Money = Field(0, description="Downline sales and purchases per month.")
    personal_retail: Money = Field(0, description="Own retail sales per month.")


class Rank(_M):
    name: str = Field(min_length=1)
    qualify: Qualify = Field(default_factory=lambda: Qualify.model_validate({}))
    bonus_rate: Rate = 0.0
    basis: Literal["own_retail", "team_volume"] = "team_volume"


class Period(_M):
    amount: Money
    period: Literal["month", "quarter", "year"] = "month"


class Buyback(_M):
    rate: Rate = Field(description="Share of the price refunded for unsold goods.")
    window_days: int = Field(ge=0, le=3650, description="Goods bought this recently qualify.")


class Inventory(_M):
    min_purchase: Period | None = None
    resale_rule: Rate | None = Field(
        None, description="Share of purchases that must be resold before bonuses are paid "
                          "(Amway 70% rule), if the plan enforces one.")
    buyback: Buyback | None = None


class CoolingOff(_M):
    days: int = Field(ge=0, le=3650)
    refund: Rate = 1.0


class Returns(_M):
    days: int = Field(ge=0, le=3650, description="Goods may be returned this long after sale.")
    refund_within_days: int = Field(7, ge=0, le=365)


class Product(_M):
    retail_price: Money = Field(10000, description="Typical retail order (simulation).")
    agent_discount: Rate = Field(0.0, description="Participants buy at retail × (1 − this).")


class PlanModel(_M):
    plan: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    version: int = Field(1, ge=1)
    title: Text = Field(default_factory=Text)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    product: Product = Field(default_factory=lambda: Product.model_validate({}))
    join: Join = Field(default_factory=Join)
    recruitment: Recruitment = Field(default_factory=lambda: Recruitment.model_validate({}))
    commissions: list[Level] = Field(default_factory=list)
    bonuses: list[Bonus] = Field(default_factory=list)
    ranks: list[Rank] = Field(default_factory=list)
    inventory: Inventory = Field(default_factory=lambda: Inventory.model_validate({}))
    cooling_off: CoolingOff | None = None
    returns: Returns | None = None
