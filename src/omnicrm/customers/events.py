"""The profile's interactions (views, carts, calls, messages, surveys ...), newest first, paged."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.customers.schemas import EventOut, EventPage
from omnicrm.identity.aliases import live_id
from omnicrm.store.schema import Event, Product, Store


def event_history(
    session: Session,
    customer_id: int,
    *,
    channel: str | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> EventPage:
    """Events of the live profile behind ``customer_id``, optionally of one channel or kind."""
    where = [Event.customer_id == live_id(session, customer_id)]
    if channel:
        where.append(Event.channel == channel)
    if kind:
        where.append(Event.kind == kind)
    total = session.scalar(select(func.count()).select_from(Event).where(*where)) or 0
    rows = session.execute(
        select(Event, Product.sku, Store.code)
        .outerjoin(Product, Product.id == Event.product_id)
        .outerjoin(Store, Store.id == Event.store_id)
        .where(*where)
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [
        EventOut(
            id=e.id,
            occurred_at=e.occurred_at,
            channel=e.channel,
            kind=e.kind,
            source=e.source,
            sku=sku,
            store_code=store,
            order_ref=e.order_ref,
            attrs=e.attrs or {},
        )
        for e, sku, store in rows
    ]
    return EventPage(items=items, total=total, limit=limit, offset=offset)
