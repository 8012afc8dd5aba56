"""The customer's cart (C6), derived on read from the ``add_to_cart`` / ``remove_from_cart`` events
of every channel since the customer's last order in any channel. Nothing is stored, so the cart
follows identity resolution and merges exactly as the events do; ``fold`` is the pure rule."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, bindparam, func, literal, or_, select
from sqlalchemy.orm import Session

from omnicrm.core.settings import get_settings
from omnicrm.customers.schemas import CartLineOut, CartOut
from omnicrm.identity.aliases import live_id
from omnicrm.store.schema import Event, Order, Product
from omnicrm.store.schema.base import UtcDateTime

ADD, REMOVE = "add_to_cart", "remove_from_cart"
BEFORE_ANY_ORDER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CartEvent:
    """One unit put into or taken out of the cart (the channels send no quantity)."""

    kind: str
    sku: str
    name: str
    channel: str
    at: datetime


def fold(
    customer_id: int, events: Iterable[CartEvent], now: datetime, abandon_after: timedelta
) -> CartOut | None:
    """The cart the events (oldest first, all after the last order) leave, or None if they leave
    it empty. It is abandoned once nothing happened in it for ``abandon_after``."""
    qty: dict[str, int] = {}
    last_add: dict[str, CartEvent] = {}
    started = last = None
    for event in events:
        started = started or event.at
        last = event.at
        if event.kind == ADD:
            qty[event.sku] = qty.get(event.sku, 0) + 1
            last_add[event.sku] = event
        elif qty.get(event.sku, 0) > 0:
            qty[event.sku] -= 1
    held = [sku for sku, n in qty.items() if n > 0]
    if not held or started is None or last is None:
        return None
    abandoned_at = last + abandon_after
    lines = [
        CartLineOut(
            sku=sku,
            name=last_add[sku].name,
            qty=qty[sku],
            channel=last_add[sku].channel,
            added_at=last_add[sku].at,
        )
        for sku in sorted(held, key=lambda s: (last_add[s].at, s))
    ]
    return CartOut(
        customer_id=customer_id,
        status="abandoned" if abandoned_at <= now else "open",
        started_at=started,
        last_activity_at=last,
        abandoned_at=abandoned_at if abandoned_at <= now else None,
        lines=lines,
    )


def abandon_after() -> timedelta:
    return timedelta(minutes=get_settings().cart_abandon_after_minutes)


def current_cart(session: Session, customer_id: int, now: datetime) -> CartOut | None:
    """The cart of the live profile behind ``customer_id``, open or abandoned; None when there
    is none (e.g. the last order emptied it)."""
    return cart_of(session, live_id(session, customer_id), now)


def cart_events(live: ColumnElement) -> Select:
    """Cart events of the live profile ``live`` since its last order, up to ``:now``. Built once
    per caller: the till reads it on every quote (``live`` found in the same statement)."""
    last_order = select(func.max(Order.placed_at)).where(Order.customer_id == live)
    since = func.coalesce(last_order.scalar_subquery(), literal(BEFORE_ANY_ORDER, UtcDateTime()))
    return (
        select(Event.kind, Product.sku, Product.name, Event.channel, Event.occurred_at)
        .join(Product, Product.id == Event.product_id)
        .where(
            Event.customer_id == live,
            or_(Event.kind == ADD, Event.kind == REMOVE),  # no IN: the till pipelines it
            Event.occurred_at > since,
            Event.occurred_at <= bindparam("now"),
        )
        .order_by(Event.occurred_at, Event.id)
    )


CART_EVENTS = cart_events(bindparam("live"))


def cart_of(session: Session, live: int, now: datetime) -> CartOut | None:
    """The cart of the live profile ``live`` (merges move events and orders to the survivor):
    one indexed read."""
    rows = session.connection().execute(CART_EVENTS, {"live": live, "now": now})
    return fold(live, (CartEvent(*row) for row in rows), now, abandon_after())


def open_cart(session: Session, live: int, now: datetime) -> CartOut | None:
    """The cart of the live profile ``live`` only while it is open: what the till shows."""
    return open_only(cart_of(session, live, now))


def open_cart_of(live: int, rows: Iterable[dict], now: datetime) -> CartOut | None:
    """``open_cart`` from the rows of ``cart_events`` read by the caller."""
    events = (
        CartEvent(r["kind"], r["sku"], r["name"], r["channel"], r["occurred_at"]) for r in rows
    )
    return open_only(fold(live, events, now, abandon_after()))


def open_only(cart: CartOut | None) -> CartOut | None:
    return cart if cart is not None and cart.status == "open" else None
