"""Public shapes of customer data in the API (separate from the stored models).

Everything a profile can have many of comes as a page (``items`` + ``total``), so a customer with
thousands of events never produces an unbounded response.
"""

from datetime import date, datetime

from pydantic import BaseModel


class IdentifierOut(BaseModel):
    kind: str
    value: str


class CustomerSummary(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    city: str | None
    enrolled_at: datetime | None


class CustomerPage(BaseModel):
    items: list[CustomerSummary]
    total: int
    limit: int
    offset: int
    matched_by: str = "name"
    """How the query was read: ``phone`` | ``card`` | ``email`` | ``name`` (or ``all``)."""


class ConsentOut(BaseModel):
    channel: str
    granted: bool
    recorded_at: datetime


class LoyaltyAccountOut(BaseModel):
    program_code: str
    card_state: str
    balance: int
    level: str | None


class ChannelActivity(BaseModel):
    """Orders placed on one channel: how many, how much, when first and last."""

    channel: str
    orders: int
    total_minor: int
    first_at: datetime
    last_at: datetime


class CustomerDetail(CustomerSummary):
    middle_name: str | None
    birth_date: date | None
    gender: str | None
    merged_ids: list[int]
    """Retired profile ids that now resolve to this one."""
    identifiers: list[IdentifierOut]
    consents: list[ConsentOut]
    loyalty: list[LoyaltyAccountOut]
    orders_by_channel: list[ChannelActivity]
    events: int


class OrderLineOut(BaseModel):
    line_no: int
    sku: str
    product_name: str
    qty: int
    unit_price_minor: int
    discount_minor: int
    amount_minor: int
    returned_qty: int


class PaymentOut(BaseModel):
    method: str
    amount_minor: int


class FulfilmentOut(BaseModel):
    kind: str
    store_code: str | None
    pickup_point: str | None
    address: str | None
    cost_minor: int


class StatusOut(BaseModel):
    status: str
    at: datetime
    source: str


class ReturnLineOut(BaseModel):
    line_no: int
    order_line_no: int
    qty: int
    amount_minor: int


class ReturnOut(BaseModel):
    """A return document, with only its lines that undo this order's lines."""

    id: int
    source: str
    source_key: str
    returned_at: datetime
    store_code: str | None
    reason: str | None
    lines: list[ReturnLineOut]


class OrderOut(BaseModel):
    id: int
    source: str
    source_key: str
    channel: str
    placed_at: datetime
    status: str
    store_code: str | None
    currency: str
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    lines: list[OrderLineOut]
    payments: list[PaymentOut]
    fulfilment: FulfilmentOut | None
    status_history: list[StatusOut]
    returns: list[ReturnOut]


class OrderPage(BaseModel):
    items: list[OrderOut]
    total: int
    limit: int
    offset: int


class EventOut(BaseModel):
    id: int
    occurred_at: datetime
    channel: str
    kind: str
    source: str
    sku: str | None
    store_code: str | None
    order_ref: str | None
    attrs: dict


class EventPage(BaseModel):
    items: list[EventOut]
    total: int
    limit: int
    offset: int


class CartLineOut(BaseModel):
    sku: str
    name: str
    qty: int
    channel: str
    """Where the last unit of this line was added (``web``, ``app``, ...)."""
    added_at: datetime


class CartOut(BaseModel):
    """The cart of a customer across channels: what was added and not removed since their last
    order in any channel."""

    customer_id: int
    status: str
    """``open``, or ``abandoned`` after ``OMNICRM_CART_ABANDON_AFTER_MINUTES`` without activity."""
    started_at: datetime
    last_activity_at: datetime
    abandoned_at: datetime | None
    lines: list[CartLineOut]


class MergeOut(BaseModel):
    """A merge that formed the profile, with the evidence behind it (row ids moved are counted,
    not listed: a merge may have moved thousands)."""

    id: int
    survivor_id: int
    absorbed_id: int
    method: str
    score: float | None
    evidence: dict
    moved: dict[str, int]
    created_at: datetime
    undone_at: datetime | None
    undone_reason: str | None


class JourneyStep(BaseModel):
    """One interaction on the customer's cross-channel timeline."""

    at: datetime
    channel: str
    kind: str
    ref: str
    detail: dict


class JourneyPage(BaseModel):
    items: list[JourneyStep]
    total: int
    limit: int
    offset: int


class PathCount(BaseModel):
    """A channel sequence (consecutive repeats collapsed) ending in a purchase."""

    path: list[str]
    purchases: int
    share: float


class StagePaths(BaseModel):
    purchases: int
    multichannel: int
    """Purchases whose path crossed more than one channel."""
    paths: list[PathCount]


class CrossChannelCase(BaseModel):
    """How often one cross-channel scenario happened among the purchases it could apply to."""

    case: str
    description: str
    orders: int
    customers: int
    base: int
    share: float
    detail: dict[str, int] = {}


class JourneyPaths(BaseModel):
    since: datetime | None
    until: datetime | None
    lookback_days: int
    research_days: int
    first_purchase: StagePaths
    repeat_purchase: StagePaths
    cross_channel: list[CrossChannelCase]
