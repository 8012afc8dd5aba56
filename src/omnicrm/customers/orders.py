"""The profile's one order history across channels, newest first, a page at a time.

Fetch once, then compute: the page's orders are read first, then their lines, payments,
fulfilments, status changes and return lines in one query each (never one per order).
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.customers.schemas import (
    FulfilmentOut,
    OrderLineOut,
    OrderOut,
    OrderPage,
    PaymentOut,
    ReturnLineOut,
    ReturnOut,
    StatusOut,
)
from omnicrm.identity.aliases import live_id
from omnicrm.store.schema import (
    Fulfilment,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    Return,
    ReturnLine,
    Store,
)

Returned = dict[int, list[tuple[Return, ReturnLine]]]
"""Return documents and their lines, by the order id the lines undo."""


@dataclass
class _Parts:
    """Everything hanging off one page of orders, keyed by order id."""

    lines: dict[int, list[OrderLineOut]]
    payments: dict[int, list[PaymentOut]]
    statuses: dict[int, list[StatusOut]]
    fulfilments: dict[int, Fulfilment]
    returns: Returned
    stores: dict[int | None, str]


def _store_codes(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Store.id, Store.code).where(Store.id.in_(wanted))).all())


def _returns(session: Session, order_ids: list[int]) -> Returned:
    rows = session.execute(
        select(Return, ReturnLine)
        .join(ReturnLine, ReturnLine.return_id == Return.id)
        .where(ReturnLine.order_id.in_(order_ids))
        .order_by(Return.returned_at, Return.id, ReturnLine.line_no)
    )
    by_order: Returned = defaultdict(list)
    for ret, line in rows:
        by_order[line.order_id].append((ret, line))
    return by_order


def _lines(session: Session, ids: list[int], returns: Returned) -> dict[int, list[OrderLineOut]]:
    returned: dict[tuple[int, int], int] = defaultdict(int)
    for order_id, pairs in returns.items():
        for _, line in pairs:
            returned[order_id, line.order_line_no] += line.qty
    rows = session.execute(
        select(OrderLine, Product.sku, Product.name)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id.in_(ids))
        .order_by(OrderLine.order_id, OrderLine.line_no)
    )
    by_order: dict[int, list[OrderLineOut]] = defaultdict(list)
    for line, sku, name in rows:
        by_order[line.order_id].append(
            OrderLineOut(
                line_no=line.line_no,
                sku=sku,
                product_name=name,
                qty=line.qty,
                unit_price_minor=line.unit_price_minor,
                discount_minor=line.discount_minor,
                amount_minor=line.amount_minor,
                returned_qty=returned[line.order_id, line.line_no],
            )
        )
    return by_order


def _fetch_parts(session: Session, orders: list[Order]) -> _Parts:
    ids = [o.id for o in orders]
    payments: dict[int, list[PaymentOut]] = defaultdict(list)
    for p in session.scalars(
        select(Payment).where(Payment.order_id.in_(ids)).order_by(Payment.seq)
    ):
        payments[p.order_id].append(PaymentOut(method=p.method, amount_minor=p.amount_minor))
    statuses: dict[int, list[StatusOut]] = defaultdict(list)
    for s in session.scalars(
        select(OrderStatus)
        .where(OrderStatus.order_id.in_(ids))
        .order_by(OrderStatus.at, OrderStatus.id)
    ):
        statuses[s.order_id].append(StatusOut(status=s.status, at=s.at, source=s.source))
    fulfilments = {
        f.order_id: f
        for f in session.scalars(select(Fulfilment).where(Fulfilment.order_id.in_(ids)))
    }
    returns = _returns(session, ids)
    store_ids = (
        {o.store_id for o in orders}
        | {f.store_id for f in fulfilments.values()}
        | {r.store_id for pairs in returns.values() for r, _ in pairs}
    )
    return _Parts(
        lines=_lines(session, ids, returns),
        payments=payments,
        statuses=statuses,
        fulfilments=fulfilments,
        returns=returns,
        stores=_store_codes(session, store_ids),
    )


def _return_docs(pairs: list[tuple[Return, ReturnLine]], stores: dict) -> list[ReturnOut]:
    """Return documents with the lines that undo this order's lines (one document may also
    undo lines of other receipts; those show on their own orders)."""
    docs: dict[int, ReturnOut] = {}
    for ret, line in pairs:
        doc = docs.get(ret.id)
        if doc is None:
            doc = docs[ret.id] = ReturnOut(
                id=ret.id,
                source=ret.source,
                source_key=ret.source_key,
                returned_at=ret.returned_at,
                store_code=stores.get(ret.store_id),
                reason=ret.reason,
                lines=[],
            )
        doc.lines.append(
            ReturnLineOut(
                line_no=line.line_no,
                order_line_no=line.order_line_no,
                qty=line.qty,
                amount_minor=line.amount_minor,
            )
        )
    return list(docs.values())


def _fulfilment(f: Fulfilment | None, stores: dict) -> FulfilmentOut | None:
    if f is None:
        return None
    return FulfilmentOut(
        kind=f.kind,
        store_code=stores.get(f.store_id),
        pickup_point=f.pickup_point,
        address=f.address,
        cost_minor=f.cost_minor,
    )


def _order_out(o: Order, parts: _Parts) -> OrderOut:
    return OrderOut(
        id=o.id,
        source=o.source,
        source_key=o.source_key,
        channel=o.channel,
        placed_at=o.placed_at,
        status=o.status,
        store_code=parts.stores.get(o.store_id),
        currency=o.currency,
        subtotal_minor=o.subtotal_minor,
        discount_minor=o.discount_minor,
        total_minor=o.total_minor,
        lines=parts.lines[o.id],
        payments=parts.payments[o.id],
        fulfilment=_fulfilment(parts.fulfilments.get(o.id), parts.stores),
        status_history=parts.statuses[o.id],
        returns=_return_docs(parts.returns[o.id], parts.stores),
    )


def order_history(
    session: Session, customer_id: int, *, channel: str | None, limit: int, offset: int
) -> OrderPage:
    """Orders of the live profile behind ``customer_id`` (optionally of one channel)."""
    where = [Order.customer_id == live_id(session, customer_id)]
    if channel:
        where.append(Order.channel == channel)
    total = session.scalar(select(func.count()).select_from(Order).where(*where)) or 0
    orders = list(
        session.scalars(
            select(Order)
            .where(*where)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    parts = _fetch_parts(session, orders)
    return OrderPage(
        items=[_order_out(o, parts) for o in orders], total=total, limit=limit, offset=offset
    )
