"""HTTP routes for customer profiles: search, the profile, and its paged histories (C3, C4)."""

from typing import Annotated

from fastapi import APIRouter, Query

from omnicrm.api.deps import NowDep, ReadSessionDep
from omnicrm.api.responses import errors
from omnicrm.core.bounds import Id, Offset
from omnicrm.customers import carts, events, journey, merges, orders, queries
from omnicrm.customers.schemas import (
    CartOut,
    CustomerDetail,
    CustomerPage,
    EventPage,
    JourneyPage,
    MergeOut,
    OrderPage,
)

router = APIRouter(prefix="/customers", tags=["customers"], responses=errors(404))

Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("", response_model=CustomerPage)
def list_customers(
    session: ReadSessionDep,
    q: Annotated[
        str | None, Query(description="phone (any spelling), card number, e-mail or name")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CustomerPage:
    return queries.list_customers(session, q=q, limit=limit, offset=offset)


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(session: ReadSessionDep, customer_id: Id) -> CustomerDetail:
    """The profile; a merged-away id answers with its survivor."""
    return queries.get_customer(session, customer_id)


@router.get("/{customer_id}/orders", response_model=OrderPage)
def get_orders(
    session: ReadSessionDep,
    customer_id: Id,
    channel: str | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> OrderPage:
    """Every order from every channel, newest first, with lines, payments, fulfilment, status
    history and the returns of its lines."""
    return orders.order_history(session, customer_id, channel=channel, limit=limit, offset=offset)


@router.get("/{customer_id}/events", response_model=EventPage)
def get_events(
    session: ReadSessionDep,
    customer_id: Id,
    channel: str | None = None,
    kind: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EventPage:
    """Interactions, newest first."""
    return events.event_history(
        session, customer_id, channel=channel, kind=kind, limit=limit, offset=offset
    )


@router.get("/{customer_id}/cart", response_model=CartOut | None)
def get_cart(session: ReadSessionDep, now: NowDep, customer_id: Id) -> CartOut | None:
    """The cart across channels (open or abandoned); ``null`` when there is none, e.g. because
    the customer has ordered since."""
    return carts.current_cart(session, customer_id, now)


@router.get("/{customer_id}/merges", response_model=list[MergeOut])
def get_merges(
    session: ReadSessionDep, customer_id: Id, include_undone: bool = False
) -> list[MergeOut]:
    """The merges that formed the profile, with their evidence."""
    return merges.profile_merges(session, customer_id, include_undone=include_undone)


@router.get("/{customer_id}/journey", response_model=JourneyPage)
def get_journey(
    session: ReadSessionDep,
    customer_id: Id,
    limit: Limit = 100,
    offset: Offset = 0,
    newest_first: bool = False,
) -> JourneyPage:
    """The customer's orders, deliveries, returns and interactions across channels on one
    timeline."""
    return journey.journey(
        session, customer_id, limit=limit, offset=offset, newest_first=newest_first
    )
