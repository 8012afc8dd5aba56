"""The promotion as data: a trigger, conditions that must all hold, and effects. This is the shape
the workstation edits and the API stores (JSON); ``rules.compile_rule`` turns one version of it
into frozen dataclasses for the evaluator.

Money is in minor units; percentages have up to two decimals; times of day, dates and days of
week are the store's local time. A condition or effect names its kind in ``type``."""

from datetime import time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omnicrm.core.bounds import (
    AwareInstant,
    Count,
    Day,
    Money,
    Points,
    PositiveCount,
    PositiveMoney,
    PositivePoints,
    Quantity,
)

Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(_Model):
    """Which lines: any SKU listed, any product in a category's subtree (a catalogue path such as
    ``Toys/Lego`` or the till's own category), any brand. Empty: every line."""

    skus: list[str] = []
    categories: list[str] = []
    brands: list[str] = []


# --- conditions ---------------------------------------------------------------------------


class CartTotal(_Model):
    type: Literal["cart_total"]
    min_minor: Money = 0
    max_minor: Money | None = None


class Items(_Model):
    """The cart holds at least ``min_qty`` units (and ``min_amount_minor``) of the selection."""

    type: Literal["items"]
    select: Selector = Selector()
    min_qty: Quantity = 1
    min_amount_minor: Money = 0


class CustomerLevel(_Model):
    type: Literal["customer_level"]
    levels: list[str] = Field(min_length=1)


class CustomerSegment(_Model):
    type: Literal["customer_segment"]
    segments: list[str] = Field(min_length=1)


class FirstPurchase(_Model):
    type: Literal["first_purchase"]


class Birthday(_Model):
    """The customer's birthday falls within ``days_before`` .. ``days_after`` of today."""

    type: Literal["birthday"]
    days_before: int = Field(0, ge=0, le=60)
    days_after: int = Field(0, ge=0, le=60)


class Channel(_Model):
    type: Literal["channel"]
    channels: list[Literal["store", "web", "app", "call_centre", "marketplace"]] = Field(
        min_length=1
    )


class StoreIn(_Model):
    type: Literal["store"]
    stores: list[str] = Field(min_length=1)


class DateWindow(_Model):
    """Local dates, both ends included."""

    type: Literal["dates"]
    start: Day | None = None
    end: Day | None = None


class TimeWindow(_Model):
    """Local time of day, ``start`` included, ``end`` excluded; may wrap past midnight."""

    type: Literal["time_of_day"]
    start: time
    end: time


class DaysOfWeek(_Model):
    """ISO days: 1 = Monday .. 7 = Sunday."""

    type: Literal["days_of_week"]
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1)


class CouponPresented(_Model):
    """A valid code of one of this promotion's coupon batches was presented."""

    type: Literal["coupon"]


class CustomerAttribute(_Model):
    """A profile attribute (``gender``, ``city``, ``home_store``, ``age``, or one kept in the
    customer's attributes) compared with ``value``."""

    type: Literal["customer_attribute"]
    attribute: str = Field(min_length=1, max_length=60)
    op: Literal["eq", "ne", "in", "gte", "lte", "exists"] = "eq"
    value: str | int | list[str] | None = None


Condition = Annotated[
    CartTotal
    | Items
    | CustomerLevel
    | CustomerSegment
    | FirstPurchase
    | Birthday
    | Channel
    | StoreIn
    | DateWindow
    | TimeWindow
    | DaysOfWeek
    | CouponPresented
    | CustomerAttribute,
    Field(discriminator="type"),
]

# --- effects ------------------------------------------------------------------------------


class PercentOff(_Model):
    """A percentage off the receipt (every line) or off the selected lines."""

    type: Literal["percent_off"]
    percent: Percent
    target: Literal["receipt", "lines"] = "receipt"
    select: Selector = Selector()


class AmountOff(_Model):
    """A fixed amount off the receipt or the selected lines, spread over them exactly; with
    ``per_unit`` the amount is taken off each selected unit."""

    type: Literal["amount_off"]
    amount_minor: PositiveMoney
    target: Literal["receipt", "lines"] = "receipt"
    select: Selector = Selector()
    per_unit: bool = False


class FixedPrice(_Model):
    """Each selected unit sells for ``price_minor`` (never raising a price)."""

    type: Literal["fixed_price"]
    price_minor: Money
    select: Selector


class NPlusOne(_Model):
    """Buy ``buy``, get ``free`` more: of every ``buy + free`` selected units, the cheapest are
    free."""

    type: Literal["n_plus_one"]
    buy: int = Field(ge=1, le=100)
    free: int = Field(1, ge=1, le=100)
    select: Selector = Selector()


class CheapestFree(_Model):
    """With at least ``min_items`` selected units, the cheapest one is free."""

    type: Literal["cheapest_free"]
    min_items: int = Field(2, ge=1, le=100)
    select: Selector = Selector()


class Gift(_Model):
    """``qty`` units of ``sku`` free: taken off the receipt when they are on it, otherwise the
    cashier is told to add them."""

    type: Literal["gift"]
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(1, ge=1, le=100)


class BonusPoints(_Model):
    type: Literal["bonus_points"]
    points: PositivePoints


class PointsMultiplier(_Model):
    """Points earned on the selected lines times ``factor`` (the extra is this promotion's)."""

    type: Literal["points_multiplier"]
    factor: Annotated[Decimal, Field(gt=1, le=20, max_digits=5, decimal_places=2)]
    select: Selector = Selector()


class Message(_Model):
    type: Literal["message"]
    text: str = Field(min_length=1, max_length=500)
    audience: Literal["receipt", "cashier"] = "receipt"


Effect = Annotated[
    PercentOff
    | AmountOff
    | FixedPrice
    | NPlusOne
    | CheapestFree
    | Gift
    | BonusPoints
    | PointsMultiplier
    | Message,
    Field(discriminator="type"),
]


# --- the promotion ------------------------------------------------------------------------


class Limits(_Model):
    max_applications: PositiveCount | None = None
    """How many times a repeating effect applies on one receipt (units at a fixed price, free
    units of N+1, cheapest-free rounds)."""
    max_discount_share_pct: Percent | None = None
    """This promotion's discount is at most this share of the receipt total."""
    max_discount_minor: Money | None = None


class Budget(_Model):
    """What the promotion may give away in all (and to one customer); None: no limit."""

    money_minor: Money | None = None
    points: Points | None = None
    redemptions: Count | None = None
    per_customer_money_minor: Money | None = None
    per_customer_points: Points | None = None
    per_customer_redemptions: Count | None = None


Stacking = Literal["stack", "priority", "best", "exclusive"]
"""How a promotion combines with others: ``stack`` applies on top of everything; of the
``priority`` ones only the first applicable (by priority) applies; of the ``best`` ones the one
worth most to the customer; an applicable ``exclusive`` one applies alone."""


class PromotionRules(_Model):
    """One version of a promotion's rules."""

    code: Code
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    trigger: Literal["purchase", "coupon", "personal_offer"] = "purchase"
    """``coupon``: only when one of its codes is presented; ``personal_offer``: only for
    customers holding an offer of it."""
    priority: int = Field(100, ge=0, le=1_000_000)
    """Lower goes first."""
    stacking: Stacking = "stack"
    starts_at: AwareInstant | None = None
    ends_at: AwareInstant | None = None
    conditions: list[Condition] = Field([], max_length=50)
    effects: list[Effect] = Field(min_length=1, max_length=20)
    limits: Limits = Limits()
    budget: Budget = Budget()

    @model_validator(mode="after")
    def _period(self) -> "PromotionRules":
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self
