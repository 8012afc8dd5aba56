"""Canonical records: what every channel's raw record becomes after validation.

Frozen and slotted: a validated record is a value, cheap to build by the million. References to
stores and products are already resolved to ids; references to *orders* stay as source keys and
are resolved by the writer inside the transaction (the order may be in the same batch).
"""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Ident:
    """An identifier a record carried: normalised value, and the raw spelling if it differs."""

    kind: str
    value: str
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    line_no: int
    product_id: int
    qty: int
    unit_price_minor: int
    discount_minor: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Payment:
    method: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Fulfilment:
    kind: str  # in_store | courier | pickup_point | click_and_collect
    store_id: int | None = None
    pickup_point: str | None = None
    address: str | None = None
    cost_minor: int = 0


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as typed (every part optional; ``raw`` the whole line if the source
    has one). Normalised only for comparison (``identity.addresses``)."""

    region: str | None = None
    city: str | None = None
    street: str | None = None
    house: str | None = None
    flat: str | None = None
    postcode: str | None = None
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """A sale from any channel. ``total_minor`` is the goods total (lines after discounts);
    delivery cost is on the fulfilment, and payments cover both."""

    source: str
    source_key: str
    channel: str
    placed_at: datetime
    status: str
    lines: tuple[Line, ...]
    fulfilment: Fulfilment
    status_history: tuple[StatusChange, ...]
    identifiers: tuple[Ident, ...]
    payments: tuple[Payment, ...] = ()
    store_id: int | None = None
    currency: str = "RUB"
    contact_name: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    address: Address | None = None
    """The delivery address in parts, when the channel gave them (identity evidence)."""

    @property
    def subtotal_minor(self) -> int:
        return sum(line.qty * line.unit_price_minor for line in self.lines)

    @property
    def discount_minor(self) -> int:
        return sum(line.discount_minor for line in self.lines)

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_no: int
    order_ref: str
    order_line_no: int
    qty: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Return:
    """Goods brought back; each line names the order (by source key) and line it undoes.
    ``order_sources`` are the sources whose orders ``order_ref`` may name."""

    source: str
    source_key: str
    returned_at: datetime
    lines: tuple[ReturnLine, ...]
    order_sources: tuple[str, ...]
    identifiers: tuple[Ident, ...] = ()
    store_id: int | None = None
    reason: str | None = None

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A logistics status for an order placed elsewhere (delivery feed)."""

    source: str
    source_key: str
    order_ref: str
    order_sources: tuple[str, ...]
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    source: str
    source_key: str
    kind: str
    channel: str
    occurred_at: datetime
    identifiers: tuple[Ident, ...]
    attrs: dict
    store_id: int | None = None
    product_id: int | None = None
    order_ref: str | None = None


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    channel: str
    granted: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class RegistryAccount:
    """What the old loyalty system reports of a member's account, migrated as it stands."""

    card: str
    card_state: str = "active"
    points_balance: int = 0
    period_spend_minor: int = 0
    level: str | None = None
    level_since: datetime | None = None
    points_expire_at: datetime | None = None
    channel: str = "registry"


@dataclass(frozen=True, slots=True)
class Member:
    """A loyalty programme registration: becomes a customer profile with its identifiers and
    the account the old system held for it."""

    source: str
    source_key: str
    enrolled_at: datetime
    identifiers: tuple[Ident, ...]
    consents: tuple[ConsentDecision, ...]
    home_store_id: int | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    city: str | None = None
    account: RegistryAccount | None = None
    birth_date_raw: str | None = None
    """The birth date as typed when it is no calendar date (``birth_date`` then None)."""
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class StoreRecord:
    source_key: str
    name: str
    city: str
    region: str
    timezone: str
    kind: str
    opened_on: date | None


@dataclass(frozen=True, slots=True)
class ProductRecord:
    source_key: str
    name: str
    category_path: tuple[str, ...]
    brand: str | None
    price_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class StockCount:
    """Units of a SKU a store or warehouse held at the end of a day, as its inventory counted."""

    source: str
    source_key: str
    store_id: int
    product_id: int
    on_date: date
    qty_on_hand: int


Canonical = (
    Order | Return | StatusUpdate | Event | Member | StoreRecord | ProductRecord | StockCount
)
