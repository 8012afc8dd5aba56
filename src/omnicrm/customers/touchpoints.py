"""The inputs of aggregated journeys, read from the store as Arrow tables (the columnar engine's
input): the orders and events of resolved customers with times as epoch seconds, store receipt
lines, and the product catalogue's categories.

Only records with a ``customer_id`` are read: a journey is a person's. Times become integers in
SQL because the two stores spell timestamps differently (naive UTC text on SQLite, ``timestamptz``
rendered in the session's zone on PostgreSQL) and an integer means the same thing on both.
"""

from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import Connection

from omnicrm.identity.arrow_io import read_table

ORDERS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("customer_id", pa.int64()),
        ("channel", pa.string()),
        ("status", pa.string()),
        ("ts", pa.int64()),
        ("fulfilment", pa.string()),
    ]
)
EVENTS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("customer_id", pa.int64()),
        ("channel", pa.string()),
        ("kind", pa.string()),
        ("ts", pa.int64()),
        ("product_id", pa.int64()),
    ]
)
LINES_SCHEMA = pa.schema([("order_id", pa.int64()), ("product_id", pa.int64())])
PRODUCTS_SCHEMA = pa.schema([("id", pa.int64()), ("category_id", pa.int64())])


@dataclass(frozen=True)
class PathInputs:
    orders: pa.Table
    events: pa.Table
    store_lines: pa.Table
    products: pa.Table


def _epoch(conn: Connection, column: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def read_inputs(conn: Connection) -> PathInputs:
    """Everything the journey aggregates need, in four reads."""
    orders = f"""SELECT o.id, o.customer_id, o.channel, o.status, {_epoch(conn, "o.placed_at")},
                        f.kind
                 FROM orders o LEFT JOIN fulfilments f ON f.order_id = o.id
                 WHERE o.customer_id IS NOT NULL"""
    events = f"""SELECT id, customer_id, channel, kind, {_epoch(conn, "occurred_at")}, product_id
                 FROM events WHERE customer_id IS NOT NULL"""
    lines = """SELECT l.order_id, l.product_id FROM order_lines l JOIN orders o ON o.id = l.order_id
               WHERE o.customer_id IS NOT NULL AND o.channel = 'store'"""
    return PathInputs(
        orders=read_table(conn, orders, ORDERS_SCHEMA),
        events=read_table(conn, events, EVENTS_SCHEMA),
        store_lines=read_table(conn, lines, LINES_SCHEMA),
        products=read_table(conn, "SELECT id, category_id FROM products", PRODUCTS_SCHEMA),
    )
