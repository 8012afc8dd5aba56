"""What the snapshot reads from the operational store: one SQLAlchemy select per source table,
over a range of its key, compiled for the store's dialect and streamed into Arrow by
``identity.arrow_io.read_table``.

Times leave the store as epoch seconds (``EpochSeconds``) because SQLite keeps naive UTC text and
PostgreSQL ``timestamptz`` rendered in the session's zone; an integer means the same on both. The
only values in the compiled text are the integer key bounds, rendered by SQLAlchemy's typed literal
renderer (``read_table`` takes a statement without parameters so that PostgreSQL can ``COPY`` it).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import BigInteger, ColumnElement, Connection, Select, String, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from omnicrm.identity.arrow_io import read_table
from omnicrm.store.schema import (
    Brand,
    Category,
    Customer,
    Event,
    Fulfilment,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    Return,
    ReturnLine,
    StockLevel,
    Store,
)
from omnicrm.store.schema.loyalty import LoyaltyAccount


class EpochSeconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a stored time."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(EpochSeconds, "postgresql")
def _epoch_postgresql(element: EpochSeconds, compiler: SQLCompiler, **kw: object) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: object) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True, slots=True)
class Source:
    """One source query: the rows whose ``key`` lies in ``(lo, hi]``, as Arrow of ``schema``."""

    name: str
    key: ColumnElement[int]
    query: Callable[[], Select]
    schema: pa.Schema

    def read(self, conn: Connection, lo: int, hi: int) -> pa.Table:
        stmt = self.query().where(self.key > lo, self.key <= hi)
        sql = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        return read_table(conn, str(sql), self.schema)


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(fields)


I64, STR = pa.int64(), pa.string()

ORDERS = Source(
    "inc_orders",
    Order.id,
    lambda: select(
        Order.id,
        Order.customer_id,
        Order.channel,
        Order.store_id,
        EpochSeconds(Order.placed_at),
        Order.status,
        Order.total_minor,
        Order.discount_minor,
        Order.utm_source,
        Order.utm_medium,
        Order.utm_campaign,
        Fulfilment.kind,
    ).outerjoin(Fulfilment, Fulfilment.order_id == Order.id),
    _schema(
        ("id", I64),
        ("customer_id", I64),
        ("channel", STR),
        ("store_id", I64),
        ("placed_at", I64),
        ("status", STR),
        ("total_minor", I64),
        ("discount_minor", I64),
        ("utm_source", STR),
        ("utm_medium", STR),
        ("utm_campaign", STR),
        ("fulfilment", STR),
    ),
)
ORDER_LINES = Source(
    "inc_lines",
    OrderLine.order_id,
    lambda: select(
        OrderLine.order_id,
        OrderLine.line_no,
        OrderLine.product_id,
        OrderLine.qty,
        OrderLine.amount_minor,
        OrderLine.discount_minor,
    ),
    _schema(
        ("order_id", I64),
        ("line_no", I64),
        ("product_id", I64),
        ("qty", I64),
        ("amount_minor", I64),
        ("discount_minor", I64),
    ),
)
POINTS_PAID = Source(
    "inc_points",
    Payment.order_id,
    lambda: (
        select(Payment.order_id, func.sum(Payment.amount_minor))
        .where(Payment.method == "points")
        .group_by(Payment.order_id)
    ),
    _schema(("order_id", I64), ("points_minor", I64)),
)
ORDER_STATUSES = Source(
    "inc_statuses",
    OrderStatus.id,
    lambda: select(
        OrderStatus.id, OrderStatus.order_id, OrderStatus.status, EpochSeconds(OrderStatus.at)
    ),
    _schema(("id", I64), ("order_id", I64), ("status", STR), ("changed_at", I64)),
)
RETURNS = Source(
    "inc_returns",
    Return.id,
    lambda: select(
        Return.id, Return.store_id, EpochSeconds(Return.returned_at), Return.total_minor
    ),
    _schema(("id", I64), ("store_id", I64), ("returned_at", I64), ("total_minor", I64)),
)
RETURN_LINES = Source(
    "inc_return_lines",
    ReturnLine.return_id,
    lambda: select(
        ReturnLine.return_id,
        ReturnLine.line_no,
        ReturnLine.order_id,
        ReturnLine.order_line_no,
        ReturnLine.qty,
        ReturnLine.amount_minor,
    ),
    _schema(
        ("return_id", I64),
        ("line_no", I64),
        ("order_id", I64),
        ("order_line_no", I64),
        ("qty", I64),
        ("amount_minor", I64),
    ),
)
EVENTS = Source(
    "inc_events",
    Event.id,
    lambda: select(
        Event.id,
        Event.customer_id,
        Event.channel,
        Event.kind,
        Event.store_id,
        EpochSeconds(Event.occurred_at),
        Event.attrs["utm_source"].as_string(),
    ),
    _schema(
        ("id", I64),
        ("customer_id", I64),
        ("channel", STR),
        ("kind", STR),
        ("store_id", I64),
        ("occurred_at", I64),
        ("utm_source", STR),
    ),
)
STOCK = Source(
    "inc_stock",
    StockLevel.id,
    lambda: select(
        StockLevel.id,
        StockLevel.store_id,
        StockLevel.product_id,
        func.cast(StockLevel.on_date, String),
        StockLevel.qty_on_hand,
    ),
    _schema(
        ("id", I64), ("store_id", I64), ("product_id", I64), ("day", STR), ("qty_on_hand", I64)
    ),
)

CUSTOMERS = Source(
    "ref_customers",
    Customer.id,
    lambda: select(
        Customer.id,
        Customer.merged_into_id,
        Customer.gender,
        Customer.birth_date,
        Customer.city,
        Customer.home_store_id,
        EpochSeconds(Customer.enrolled_at),
        EpochSeconds(Customer.created_at),
    ),
    _schema(
        ("id", I64),
        ("merged_into_id", I64),
        ("gender", STR),
        ("birth_date", STR),
        ("city", STR),
        ("home_store_id", I64),
        ("enrolled_at", I64),
        ("created_at", I64),
    ),
)
STORES = Source(
    "ref_stores",
    Store.id,
    lambda: select(
        Store.id, Store.code, Store.name, Store.city, Store.region, Store.timezone, Store.kind
    ),
    _schema(
        ("id", I64),
        ("code", STR),
        ("name", STR),
        ("city", STR),
        ("region", STR),
        ("timezone", STR),
        ("kind", STR),
    ),
)
PRODUCTS = Source(
    "ref_products",
    Product.id,
    lambda: (
        select(
            Product.id, Product.sku, Product.name, Product.category_id, Category.path, Brand.name
        )
        .join(Category, Category.id == Product.category_id)
        .outerjoin(Brand, Brand.id == Product.brand_id)
    ),
    _schema(
        ("id", I64),
        ("sku", STR),
        ("name", STR),
        ("category_id", I64),
        ("category", STR),
        ("brand", STR),
    ),
)
LOYALTY_ACCOUNTS = Source(
    "ref_accounts",
    LoyaltyAccount.id,
    lambda: select(
        LoyaltyAccount.id,
        LoyaltyAccount.customer_id,
        LoyaltyAccount.program_code,
        LoyaltyAccount.level,
        LoyaltyAccount.referred_by_id,
        LoyaltyAccount.enrolled_channel,
        EpochSeconds(LoyaltyAccount.created_at),
    ),
    _schema(
        ("id", I64),
        ("customer_id", I64),
        ("program_code", STR),
        ("level", STR),
        ("referred_by_id", I64),
        ("enrolled_channel", STR),
        ("created_at", I64),
    ),
)
