"""The till's receipts in the one order history: a confirmed receipt becomes an order of channel
``store``, and a return or cancel at the till updates it the way imported returns and status
changes do. The till's confirm and ``returns`` call this module on the
connection of their own transaction, so the ledger and the order history never disagree, and an
idempotent replay (answered before anything is written) writes nothing twice.

The order carries the key a POS export of the same receipt carries (``pos``,
``store_code/terminal_id/receipt_no``), so importing that export later finds a duplicate. A
receipt sent without a store cannot carry that key; it is stored under ``till`` and
``terminal/receipt_id`` instead (see docs/CHANNELS.md). An SKU the catalogue does not know yet
gets a placeholder product (named by its SKU, in the category ``(uncatalogued)``) that a later
products import fills in (same SKU, same product id): the sale never fails on the catalogue.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    bindparam,
    func,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from omnicrm.identity.normalize import normalize
from omnicrm.loyalty.receipt import Quote
from omnicrm.loyalty.schemas import Identification, ReceiptRequest
from omnicrm.store.schema import (
    Category,
    Fulfilment,
    Identifier,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    RecordIdentifier,
    Return,
    ReturnLine,
    Store,
)
from omnicrm.store.schema.loyalty import LoyaltyAccount

POS_SOURCE = "pos"
TILL_SOURCE = "till"
"""Source of a receipt that named no store (no POS export can carry its key)."""
UNCATALOGUED = "(uncatalogued)"
"""Category path of the placeholder products of SKUs first seen at the till."""
MONEY_METHOD = "unspecified"
"""Payment method of the money part: the till API says how much points paid, not how the rest
was tendered."""
KEY_LENGTH = 128
IDENTIFIER_KINDS = ("card", "phone", "email")


@dataclass(frozen=True, slots=True)
class SaleLine:
    line_no: int
    sku: str
    qty: int
    unit_price_minor: int
    discount_minor: int
    amount_minor: int


def order_key(store: str | None, terminal: str, receipt_id: str) -> tuple[str, str]:
    """(source, source key) of a till document: the POS export's key when the store is known;
    else, or when that key would not fit, a key of the till's own."""
    if store is not None:
        key = f"{store}/{terminal}/{receipt_id}"
        if len(key) <= KEY_LENGTH:
            return POS_SOURCE, key
    key = f"{terminal}/{receipt_id}"
    if len(key) > KEY_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return TILL_SOURCE, key


def sale_lines(request: ReceiptRequest, quote: Quote) -> list[SaleLine]:
    """Order lines: the till's unit price, every discount (the till's own below qty x price, then
    promotions and the program's), and the amount the goods cost after them (paid in money and
    points). An amount above qty x price is kept as the line's amount."""
    sold = {line.line_no: line for line in request.lines}
    lines = []
    for priced in quote.lines:
        line = sold[priced.line_no]
        till_off = max(line.qty * line.price_minor - priced.amount_minor, 0)
        lines.append(
            SaleLine(
                line_no=priced.line_no,
                sku=line.sku,
                qty=line.qty,
                unit_price_minor=line.price_minor,
                discount_minor=till_off + priced.discount_minor,
                amount_minor=priced.amount_minor - priced.discount_minor,
            )
        )
    return lines


def sale_payments(quote: Quote, point_value_minor: int, delivery_minor: int) -> list[tuple]:
    """(method, amount) pairs covering the goods and the delivery: money, then points at their
    value (as a POS export states them)."""
    money = quote.paid_minor + delivery_minor
    points = quote.points_spent * point_value_minor
    payments = [(MONEY_METHOD, money)] if money or not points else []
    return payments + ([("points", points)] if points else [])


def presented_identifier(ident: Identification) -> tuple[str, str] | None:
    """The (kind, normalised value) the customer presented, when it is an identifier."""
    kind, value = ident.kind, ident.value
    if kind == "qr" and value.startswith("CARD:"):
        kind, value = "card", value.removeprefix("CARD:")
    if kind not in IDENTIFIER_KINDS:
        return None
    try:
        return kind, normalize(kind, value)
    except ValueError:
        return None


def _insert(conn: Connection, table: Any) -> Any:
    """INSERT for this dialect (for ON CONFLICT DO NOTHING)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _table(model: Any) -> Table:
    return model.__table__


@lru_cache(maxsize=8)
def _products(dialect: str) -> Select:
    if dialect == "postgresql":  # one statement (and plan) whatever the number of SKUs
        wanted = Product.sku == func.any(bindparam("skus", type_=ARRAY(String)))
    else:
        wanted = Product.sku.in_(bindparam("skus", expanding=True))
    return select(Product.sku, Product.id).where(wanted)


def _placeholders(
    conn: Connection, ids: dict[str, int], lines: Sequence[SaleLine], currency: str
) -> dict[str, int]:
    """sku -> product id, adding a placeholder product for each SKU not in the catalogue."""
    missing = [line for line in lines if line.sku not in ids]
    if not missing:
        return ids
    conn.execute(
        _insert(conn, Category)
        .values(parent_id=None, name=UNCATALOGUED, path=UNCATALOGUED)
        .on_conflict_do_nothing(index_elements=["path"])
    )
    category = conn.scalar(select(Category.id).where(Category.path == UNCATALOGUED))
    placeholders = {
        line.sku: {
            "sku": line.sku,
            "name": line.sku,
            "category_id": category,
            "brand_id": None,
            "price_minor": line.unit_price_minor,
            "currency": currency,
        }
        for line in missing
    }
    conn.execute(
        _insert(conn, Product).on_conflict_do_nothing(index_elements=["sku"]),
        list(placeholders.values()),
    )
    skus = sorted({line.sku for line in lines})
    return dict(conn.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())


def _next_order_id(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.nextval(func.pg_get_serial_sequence("orders", "id"))
    # SQLite: the writer holds the database lock, as the ingest sinks do when reserving ids
    return select(func.coalesce(func.max(Order.id), 0) + 1).scalar_subquery()


@lru_cache(maxsize=64)
def _facts(account: ColumnElement, dialect: str) -> tuple[Select, Select]:
    """The sale's customer, store, an order already stored under its key, the new order's id;
    and the customer's cards."""
    customer = select(LoyaltyAccount.customer_id).where(LoyaltyAccount.id == account)
    found = select(
        customer.scalar_subquery().label("customer_id"),
        select(Store.id).where(Store.code == bindparam("store")).scalar_subquery().label("store"),
        select(Order.id)
        .where(Order.source == bindparam("source"), Order.source_key == bindparam("source_key"))
        .scalar_subquery()
        .label("existing"),
        type_coerce(_next_order_id(dialect), BigInteger).label("order_id"),
    )
    cards = (
        select(Identifier.value)
        .where(Identifier.customer_id == customer.scalar_subquery(), Identifier.kind == "card")
        .order_by(Identifier.value)
    )
    return found, cards


def sale_reads(request: ReceiptRequest, account: ColumnElement, dialect: str) -> list[tuple]:
    """The reads ``prepare_sale`` needs, as (statement, parameters) for the caller to send with
    its own (``account``: the account, found in the same statement, or a bound parameter)."""
    source, key = order_key(request.store, request.terminal, request.receipt_id)
    found, cards = _facts(account, dialect)
    skus = sorted({line.sku for line in request.lines})
    return [
        (_products(dialect), {"skus": skus}),
        (found, {"store": request.store, "source": source, "source_key": key}),
        (cards, {}),
    ]


@dataclass(frozen=True, slots=True)
class SaleWrite:
    """The statements writing one till order, prepared (every read done) so that a caller may
    send them pipelined with its own writes."""

    statements: tuple[tuple[Any, Any], ...]


def prepare_sale(
    conn: Connection,
    request: ReceiptRequest,
    quote: Quote,
    reads: list[list[dict]],
    *,
    operation_id: int,
    point_value_minor: int,
    currency: str,
    at: datetime,
) -> SaleWrite:
    """The order of a confirmed receipt (``reads``: the rows of ``sale_reads``), for the
    account's customer, with its card(s) and the identifier presented as record identifiers (so
    a bulk identity run keeps it there). An order already stored under the same key (its POS
    export came first) is only linked, not doubled."""
    source, key = order_key(request.store, request.terminal, request.receipt_id)
    lines = sale_lines(request, quote)
    products = _placeholders(conn, {r["sku"]: r["id"] for r in reads[0]}, lines, currency)
    found = reads[1][0]
    customer_id, store_id, order_id = found["customer_id"], found["store"], found["order_id"]
    if found["existing"] is not None:
        link = (
            update(Order)
            .where(Order.id == found["existing"], Order.loyalty_operation_id.is_(None))
            .values(loyalty_operation_id=operation_id)
        )
        return SaleWrite(((link, None),))
    cards = [r["value"] for r in reads[2]]
    order = {
        "id": order_id,
        "source": source,
        "source_key": key,
        "channel": request.channel or "store",
        "store_id": store_id,
        "placed_at": at,
        "status": "completed",
        "customer_id": customer_id,
        "currency": currency,
        "subtotal_minor": sum(line.qty * line.unit_price_minor for line in lines),
        "discount_minor": sum(line.discount_minor for line in lines),
        "total_minor": sum(line.amount_minor for line in lines),
        "loyalty_operation_id": operation_id,
    }
    order_lines = [
        {
            "order_id": order_id,
            "line_no": line.line_no,
            "product_id": products[line.sku],
            "qty": line.qty,
            "unit_price_minor": line.unit_price_minor,
            "discount_minor": line.discount_minor,
            "amount_minor": line.amount_minor,
        }
        for line in lines
    ]
    delivery = request.delivery
    payments = [
        {"order_id": order_id, "seq": seq, "method": method, "amount_minor": amount}
        for seq, (method, amount) in enumerate(
            sale_payments(quote, point_value_minor, delivery.cost_minor if delivery else 0), 1
        )
    ]
    fulfilment = {
        "order_id": order_id,
        "kind": delivery.type if delivery else "in_store",
        "store_id": None if delivery else store_id,
        "pickup_point": delivery.pickup_point if delivery else None,
        "address": delivery.address if delivery else None,
        "cost_minor": delivery.cost_minor if delivery else 0,
    }
    status = {"order_id": order_id, "status": "completed", "at": at, "source": TILL_SOURCE}
    idents = [("card", card) for card in cards]
    presented = presented_identifier(request.identify)
    if presented is not None and presented not in idents:
        idents.append(presented)
    statements: list[tuple[Any, Any]] = [
        (_table(Order).insert().inline(), order),
        (_table(OrderLine).insert().inline(), order_lines),
        (_table(Payment).insert().inline(), payments),
        (_table(Fulfilment).insert().inline(), fulfilment),
        (_table(OrderStatus).insert().inline(), status),
    ]
    if idents:
        rows = [
            {"record_type": "order", "record_id": order_id, "kind": k, "value": v, "raw": None}
            for k, v in idents
        ]
        statements.append((_table(RecordIdentifier).insert().inline(), rows))
    return SaleWrite(tuple(statements))


def write_sale(conn: Connection, sale: SaleWrite) -> None:
    for statement, params in sale.statements:
        conn.execute(statement, params)


def _order_of(conn: Connection, operation_id: int) -> Any:
    return conn.execute(
        select(Order.id, Order.source, Order.source_key, Order.store_id).where(
            Order.loyalty_operation_id == operation_id
        )
    ).first()


def record_return(
    conn: Connection,
    sale_operation_id: int,
    *,
    terminal: str,
    return_id: str,
    lines: Sequence[tuple[int, int, int]],
    at: datetime,
) -> None:
    """A return document on the sale's order: ``lines`` are (line_no, qty returned now, qty
    returned before). Each line gives back its share of the order line's amount, counted on the
    cumulative quantity (so returns in parts add up to the line). Keyed like a POS return
    receipt of the sale's store; nothing is written for a sale that has no order."""
    order = _order_of(conn, sale_operation_id)
    if order is None or not lines:
        return
    store = order.source_key.split("/", 1)[0] if order.source == POS_SOURCE else None
    source, key = order_key(store, terminal, return_id)
    sold = {
        line_no: (qty, amount)
        for line_no, qty, amount in conn.execute(
            select(OrderLine.line_no, OrderLine.qty, OrderLine.amount_minor).where(
                OrderLine.order_id == order.id
            )
        )
    }
    rows = []
    for n, (line_no, qty, before) in enumerate(lines, 1):
        bought, amount = sold[line_no]
        back = amount * (before + qty) // bought - amount * before // bought
        rows.append((n, line_no, qty, back))
    return_id_ = conn.scalar(
        _insert(conn, Return)
        .values(
            source=source,
            source_key=key,
            store_id=order.store_id,
            returned_at=at,
            reason=None,
            total_minor=sum(back for *_, back in rows),
        )
        .on_conflict_do_nothing(index_elements=["source", "source_key"])
        .returning(Return.id)
    )
    if return_id_ is None:  # its POS export was imported first
        return
    conn.execute(
        _table(ReturnLine).insert(),
        [
            {
                "return_id": return_id_,
                "line_no": n,
                "order_id": order.id,
                "order_line_no": line_no,
                "qty": qty,
                "amount_minor": back,
            }
            for n, line_no, qty, back in rows
        ],
    )


def record_cancel(conn: Connection, sale_operation_id: int, at: datetime) -> None:
    """The sale's order is cancelled: a status change in its history, and its status."""
    order = _order_of(conn, sale_operation_id)
    if order is None:
        return
    conn.execute(
        _table(OrderStatus).insert(),
        {"order_id": order.id, "status": "cancelled", "at": at, "source": TILL_SOURCE},
    )
    conn.execute(update(Order).where(Order.id == order.id).values(status="cancelled"))
