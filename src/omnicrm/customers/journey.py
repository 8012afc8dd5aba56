"""The journey map of one customer: orders, the status changes after them (shipped, picked up),
returns and interactions of the profile (and of the ids merged into it) on one timeline (C4).

Bounded whatever the history: each stream reads at most ``offset + limit`` rows in timeline order
and the streams are merged, so a customer with thousands of events costs one page of work.
"""

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from omnicrm.customers.schemas import JourneyPage, JourneyStep
from omnicrm.identity.aliases import live_id
from omnicrm.store.schema import (
    Event,
    Fulfilment,
    Order,
    OrderStatus,
    Product,
    Return,
    ReturnLine,
    Store,
)


@dataclass(frozen=True)
class _Stream:
    """One kind of step: the profile's rows, their time and id columns, and a row's step."""

    rows: Select
    at: Any
    id: Any
    step: Callable[[Row], JourneyStep]


def _order_step(r: Row) -> JourneyStep:
    order, fulfilment, store = r
    return JourneyStep(
        at=order.placed_at, channel=order.channel, kind="order", ref=order.source_key,
        detail={"total_minor": order.total_minor, "status": order.status,
                "fulfilment": fulfilment, "store_code": store},
    )  # fmt: skip


def _status_step(r: Row) -> JourneyStep:
    status, ref, channel = r
    return JourneyStep(
        at=status.at, channel=channel, kind="status", ref=ref, detail={"status": status.status}
    )


def _return_step(r: Row) -> JourneyStep:
    ret, store, order_channel = r
    return JourneyStep(
        at=ret.returned_at, channel="store" if store else order_channel, kind="return",
        ref=ret.source_key,
        detail={"total_minor": ret.total_minor, "reason": ret.reason, "store_code": store},
    )  # fmt: skip


def _event_step(r: Row) -> JourneyStep:
    event, sku, store = r
    extra = {k: v for k, v in (("sku", sku), ("store_code", store)) if v is not None}
    return JourneyStep(
        at=event.occurred_at, channel=event.channel, kind=event.kind,
        ref=event.order_ref or event.source_key, detail={**(event.attrs or {}), **extra},
    )  # fmt: skip


def _streams(profile: int) -> list[_Stream]:
    fulfilled_at = func.coalesce(Fulfilment.store_id, Order.store_id)
    returned_orders = (
        select(ReturnLine.return_id)
        .join(Order, Order.id == ReturnLine.order_id)
        .where(Order.customer_id == profile)
    )
    order_channel = (
        select(Order.channel)
        .join(ReturnLine, ReturnLine.order_id == Order.id)
        .where(ReturnLine.return_id == Return.id)
        .limit(1)
        .scalar_subquery()
    )
    return [
        _Stream(
            select(Order, Fulfilment.kind, Store.code)
            .outerjoin(Fulfilment, Fulfilment.order_id == Order.id)
            .outerjoin(Store, Store.id == fulfilled_at)
            .where(Order.customer_id == profile),
            Order.placed_at, Order.id, _order_step,
        ),
        # Only changes after the order was placed: its first status is the order step itself.
        _Stream(
            select(OrderStatus, Order.source_key, Order.channel)
            .join(Order, Order.id == OrderStatus.order_id)
            .where(Order.customer_id == profile, OrderStatus.at > Order.placed_at),
            OrderStatus.at, OrderStatus.id, _status_step,
        ),
        _Stream(
            select(Return, Store.code, order_channel)
            .outerjoin(Store, Store.id == Return.store_id)
            .where(Return.id.in_(returned_orders)),
            Return.returned_at, Return.id, _return_step,
        ),
        _Stream(
            select(Event, Product.sku, Store.code)
            .outerjoin(Product, Product.id == Event.product_id)
            .outerjoin(Store, Store.id == Event.store_id)
            .where(Event.customer_id == profile),
            Event.occurred_at, Event.id, _event_step,
        ),
    ]  # fmt: skip


def journey(
    session: Session,
    customer_id: int,
    *,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = False,
) -> JourneyPage:
    """One page of the timeline, oldest first unless ``newest_first``; an alias id shows its
    survivor's journey."""
    profile = live_id(session, customer_id)
    total, runs = 0, []
    for rank, stream in enumerate(_streams(profile)):
        total += session.scalar(select(func.count()).select_from(stream.rows.subquery())) or 0
        order = (stream.at.desc(), stream.id.desc()) if newest_first else (stream.at, stream.id)
        rows = session.execute(stream.rows.order_by(*order).limit(offset + limit))
        runs.append([((s.at, rank), s) for s in map(stream.step, rows)])
    merged = heapq.merge(*runs, key=lambda pair: pair[0], reverse=newest_first)
    items = [step for _, step in merged][offset : offset + limit]
    return JourneyPage(items=items, total=total, limit=limit, offset=offset)
