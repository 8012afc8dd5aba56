"""The columnar engine: an embedded DuckDB file holding a snapshot of the operational store's facts
(orders with their lines, returns, status changes, a per-day summary of events, stock counts) and
dimensions (customers with resolved ids, people, stores, products, loyalty accounts), so that
analysis never runs on the database the tills write to.

Refresh is incremental. Fact tables only grow: each *feed* remembers the highest source key it has
read (``snapshot_feeds``), and a refresh reads only keys above it, in ranges of
``arrow_io.BATCH`` keys (memory stays flat whatever the store's size), up to the maximum taken
at the start of one consistent read transaction of the store. Reference tables are small or
mutable and are replaced whole. A refresh is one DuckDB transaction: readers see the old
snapshot or the new one, never half of it. An order's customer is the one it had when read,
followed through later merges (``customers.resolved_id``); after a bulk re-resolution that moves
orders between profiles, refresh with ``full=True``.

Beyond one machine: every analysis is a queue of named SQL steps (``steps.py``) over the plain
tables below, using only joins, grouped aggregates and window functions, with values as bound
parameters. The same tables can be kept as partitioned Parquet/Iceberg (the feeds are append-only
and keyed by id, i.e. a CDC or ``id > watermark`` extract), and the steps, as views or CTEs, run on
Spark SQL, Trino or ClickHouse; ``sqlglot`` (already a dependency) transpiles the DuckDB dialect and
the test suite checks that every step does transpile. What is DuckDB-specific is small and named:
``list_contains`` on bound lists, ``arg_max``/``max_by``, ``date_trunc``, and ``timezone()``.
Spark runs them for real: ``parquet.export`` writes these tables, ``spark.SparkSnapshot`` reads them
and ``spark_sql`` keeps DuckDB's meanings where Spark's differ.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
from sqlalchemy import ColumnElement, Engine, func, select
from sqlalchemy.engine import URL

from omnicrm.analytics import sources
from omnicrm.analytics.steps import used_params
from omnicrm.identity.arrow_io import BATCH
from omnicrm.store.schema import Event, Order, OrderStatus, Return, StockLevel

FULFILLED_STATUSES = ["completed", "delivered", "picked_up", "partially_returned", "returned"]
"""Statuses saying the customer has the goods (a return implies they had them)."""

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS snapshot_refreshes (
        id INTEGER PRIMARY KEY, source VARCHAR, full_rebuild BOOLEAN,
        started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS snapshot_feeds (
        refresh_id INTEGER, feed VARCHAR, from_id BIGINT, to_id BIGINT, rows_read BIGINT)""",
    """CREATE TABLE IF NOT EXISTS orders (
        id BIGINT, customer_id BIGINT, channel VARCHAR, store_id BIGINT, placed_at TIMESTAMPTZ,
        status VARCHAR, total_minor BIGINT, discount_minor BIGINT, utm_source VARCHAR,
        utm_medium VARCHAR, utm_campaign VARCHAR, fulfilment VARCHAR, items BIGINT,
        lines INTEGER, points_minor BIGINT, cancelled BOOLEAN, fulfilled BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS order_lines (
        order_id BIGINT, line_no INTEGER, product_id BIGINT, qty BIGINT, amount_minor BIGINT,
        discount_minor BIGINT)""",
    """CREATE TABLE IF NOT EXISTS order_statuses (
        id BIGINT, order_id BIGINT, status VARCHAR, changed_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS returns (
        id BIGINT, store_id BIGINT, returned_at TIMESTAMPTZ, total_minor BIGINT)""",
    """CREATE TABLE IF NOT EXISTS return_lines (
        return_id BIGINT, line_no INTEGER, order_id BIGINT, order_line_no INTEGER, qty BIGINT,
        amount_minor BIGINT)""",
    """CREATE TABLE IF NOT EXISTS event_days (
        customer_id BIGINT, day DATE, channel VARCHAR, kind VARCHAR, store_id BIGINT,
        utm_source VARCHAR, events BIGINT, first_at TIMESTAMPTZ, last_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS stock_levels (
        id BIGINT, store_id BIGINT, product_id BIGINT, day DATE, qty_on_hand BIGINT)""",
    """CREATE TABLE IF NOT EXISTS customers (
        id BIGINT, merged_into_id BIGINT, resolved_id BIGINT, gender VARCHAR, birth_date DATE,
        city VARCHAR, home_store_id BIGINT, enrolled_at TIMESTAMPTZ, created_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS people (
        id BIGINT, gender VARCHAR, birth_date DATE, city VARCHAR, home_store_id BIGINT,
        enrolled_at TIMESTAMPTZ, first_seen_at TIMESTAMPTZ, level VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS stores (
        id BIGINT, code VARCHAR, name VARCHAR, city VARCHAR, region VARCHAR, timezone VARCHAR,
        kind VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS products (
        id BIGINT, sku VARCHAR, name VARCHAR, category_id BIGINT, category VARCHAR,
        brand VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS loyalty_accounts (
        id BIGINT, customer_id BIGINT, program_code VARCHAR, level VARCHAR,
        referred_by_id BIGINT, enrolled_channel VARCHAR, created_at TIMESTAMPTZ)""",
    """CREATE OR REPLACE VIEW purchases AS
        SELECT o.*, c.resolved_id AS customer
        FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE NOT o.cancelled""",
    """CREATE OR REPLACE VIEW referrals AS
        SELECT rc.resolved_id AS referrer, c.resolved_id AS referred, a.created_at AS referred_at
        FROM loyalty_accounts a JOIN loyalty_accounts r ON r.id = a.referred_by_id
        JOIN customers rc ON rc.id = r.customer_id JOIN customers c ON c.id = a.customer_id""",
)
"""The snapshot's tables: plain relational tables, the contract every analysis is written to."""


@dataclass(frozen=True, slots=True)
class Feed:
    """An append-only fact feed: sources read together over one key range, then loaded."""

    name: str
    key: ColumnElement[int]
    sources: tuple[sources.Source, ...]
    load: tuple[str, ...]
    tables: tuple[str, ...]


FEEDS = (
    Feed(
        "orders",
        Order.id,
        (sources.ORDERS, sources.ORDER_LINES, sources.POINTS_PAID),
        (
            """INSERT INTO orders
               SELECT o.id, o.customer_id, o.channel, o.store_id, to_timestamp(o.placed_at),
                      o.status, o.total_minor, o.discount_minor, o.utm_source, o.utm_medium,
                      o.utm_campaign, o.fulfilment, coalesce(l.items, 0), coalesce(l.lines, 0),
                      coalesce(p.points_minor, 0), o.status = 'cancelled',
                      list_contains($fulfilled, o.status)
               FROM inc_orders o
               LEFT JOIN (SELECT order_id, sum(qty) AS items, count(*) AS lines
                          FROM inc_lines GROUP BY order_id) l ON l.order_id = o.id
               LEFT JOIN inc_points p ON p.order_id = o.id""",
            "INSERT INTO order_lines SELECT * FROM inc_lines",
        ),
        ("orders", "order_lines"),
    ),
    Feed(
        "order_statuses",
        OrderStatus.id,
        (sources.ORDER_STATUSES,),
        (
            """INSERT INTO order_statuses
               SELECT id, order_id, status, to_timestamp(changed_at) FROM inc_statuses""",
            """UPDATE orders SET cancelled = true
               WHERE id IN (SELECT order_id FROM inc_statuses WHERE status = 'cancelled')""",
            """UPDATE orders SET fulfilled = true
               WHERE id IN (SELECT order_id FROM inc_statuses
                            WHERE list_contains($fulfilled, status))""",
        ),
        ("order_statuses",),
    ),
    Feed(
        "returns",
        Return.id,
        (sources.RETURNS, sources.RETURN_LINES),
        (
            """INSERT INTO returns
               SELECT id, store_id, to_timestamp(returned_at), total_minor FROM inc_returns""",
            "INSERT INTO return_lines SELECT * FROM inc_return_lines",
        ),
        ("returns", "return_lines"),
    ),
    Feed(
        "events",
        Event.id,
        (sources.EVENTS,),
        (
            """INSERT INTO event_days
               SELECT customer_id, CAST(to_timestamp(occurred_at) AS DATE), channel, kind, store_id,
                      utm_source, count(*), to_timestamp(min(occurred_at)),
                      to_timestamp(max(occurred_at))
               FROM inc_events GROUP BY ALL""",
        ),
        ("event_days",),
    ),
    Feed(
        "stock",
        StockLevel.id,
        (sources.STOCK,),
        (
            """INSERT INTO stock_levels
               SELECT id, store_id, product_id, CAST(day AS DATE), qty_on_hand FROM inc_stock""",
        ),
        ("stock_levels",),
    ),
)
"""In this order: statuses update orders that the orders feed has already loaded."""

REFERENCES = (
    (
        sources.CUSTOMERS,
        """INSERT INTO customers
           SELECT id, merged_into_id, NULL, gender, CAST(birth_date AS DATE), city, home_store_id,
                  to_timestamp(enrolled_at), to_timestamp(created_at) FROM ref_customers""",
    ),
    (sources.STORES, "INSERT INTO stores SELECT * FROM ref_stores"),
    (sources.PRODUCTS, "INSERT INTO products SELECT * FROM ref_products"),
    (
        sources.LOYALTY_ACCOUNTS,
        """INSERT INTO loyalty_accounts
           SELECT id, customer_id, program_code, level, referred_by_id, enrolled_channel,
                  to_timestamp(created_at) FROM ref_accounts""",
    ),
)
REFERENCE_TABLES = ("customers", "stores", "products", "loyalty_accounts", "people")

DERIVE = (
    """UPDATE customers SET resolved_id = walk.resolved_id
       FROM (WITH RECURSIVE chain(id, target, depth) AS (
                 SELECT id, coalesce(merged_into_id, id), 0 FROM customers
                 UNION ALL
                 SELECT chain.id, c.merged_into_id, chain.depth + 1
                 FROM chain JOIN customers c ON c.id = chain.target
                 WHERE c.merged_into_id IS NOT NULL AND chain.depth < 64)
             SELECT id, arg_max(target, depth) AS resolved_id FROM chain GROUP BY id) walk
       WHERE walk.id = customers.id""",
    """INSERT INTO people
       SELECT c.resolved_id,
              coalesce(max(c.gender) FILTER (WHERE c.id = c.resolved_id), max(c.gender)),
              coalesce(max(c.birth_date) FILTER (WHERE c.id = c.resolved_id), max(c.birth_date)),
              coalesce(max(c.city) FILTER (WHERE c.id = c.resolved_id), max(c.city)),
              coalesce(max(c.home_store_id) FILTER (WHERE c.id = c.resolved_id),
                       max(c.home_store_id)),
              min(c.enrolled_at), min(c.created_at), max_by(a.level, a.created_at)
       FROM customers c LEFT JOIN loyalty_accounts a ON a.customer_id = c.id
       GROUP BY c.resolved_id""",
)
"""One person per resolved customer: the survivor's demographics, filled in from the profiles it
absorbed; enrolled when the first of them enrolled; the level of their newest loyalty account."""


@dataclass
class RefreshReport:
    refresh_id: int
    full: bool
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


DATA_END = "SELECT CAST(max(placed_at) AS DATE) FROM purchases"
"""The newest purchase's day (UTC), on any engine."""


def day_end(day: date | None) -> datetime | None:
    """The UTC midnight after ``day``."""
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def default_path(url: URL) -> Path:
    """Next to the SQLite file (``omnicrm.db`` -> ``omnicrm.analytics.duckdb``); for a server
    database, under ``var/`` named after it."""
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_suffix(".analytics.duckdb")
    return Path("var") / f"analytics-{url.host or 'local'}-{url.database or 'db'}.duckdb"


def _ranges(lo: int, hi: int, step: int) -> list[tuple[int, int]]:
    return [(a, min(a + step, hi)) for a in range(lo, hi, step)]


class Snapshot:
    """One DuckDB file; cursors for readers, one refresh at a time."""

    def __init__(self, path: Path, memory_limit: str | None = None) -> None:
        """Open (or create) the file; ``memory_limit`` caps DuckDB's memory (e.g. ``"3GB"``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        config = {"memory_limit": memory_limit} if memory_limit else {}
        self._db = duckdb.connect(str(path), config=config)
        self._refreshing = threading.Lock()
        for ddl in SCHEMA:
            self._db.execute(ddl)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own (temporary tables are per cursor), with UTC as its zone."""
        cursor = self._db.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        return cursor

    def close(self) -> None:
        self._db.close()

    def last_refresh(self) -> datetime | None:
        """When the last refresh finished (None: never)."""
        row = self._db.cursor().execute("SELECT epoch_ms(max(finished_at)) FROM snapshot_refreshes")
        (ms,) = row.fetchone()  # type: ignore[misc]
        return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)

    def data_end(self) -> datetime | None:
        """The end (UTC midnight) of the day of the newest purchase; None when there is none."""
        cursor = self.cursor()
        try:
            (day,) = cursor.execute(DATA_END).fetchone()  # type: ignore[misc]
        finally:
            cursor.close()
        return day_end(day)

    def newest_purchase(self) -> datetime | None:
        """When the newest purchase was placed (aware UTC); None when there is none."""
        (ms,) = (
            self._db.cursor().execute("SELECT epoch_ms(max(placed_at)) FROM purchases").fetchone()
        )  # type: ignore[misc]
        return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)

    def refresh(
        self, engine: Engine, full: bool = False, progress: Callable[[str], None] | None = None
    ) -> RefreshReport:
        """Bring the snapshot up to the store's present state (see the module docstring)."""
        with self._refreshing:
            db = self.cursor()
            source = engine.url.render_as_string(hide_password=True)
            (last_source,) = db.execute(
                "SELECT arg_max(source, id) FROM snapshot_refreshes"
            ).fetchone()  # type: ignore[misc]
            full = full or (last_source is not None and last_source != source)
            db.execute("BEGIN")
            try:
                report = self._refresh(engine, db, source, full, progress or (lambda _: None))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                db.close()
            return report

    def _refresh(
        self,
        engine: Engine,
        db: duckdb.DuckDBPyConnection,
        source: str,
        full: bool,
        progress: Callable[[str], None],
    ) -> RefreshReport:
        started, tick = time.time(), time.perf_counter()
        (refresh_id,) = db.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM snapshot_refreshes"
        ).fetchone()  # type: ignore[misc]
        report = RefreshReport(refresh_id, full)
        params = {"fulfilled": FULFILLED_STATUSES}
        consistent = (
            {"isolation_level": "REPEATABLE READ"}
            if engine.dialect.name == "postgresql"
            else {"readonly": True}
        )
        with engine.connect().execution_options(**consistent) as conn:
            marks = {f.name: conn.scalar(select(func.coalesce(func.max(f.key), 0))) for f in FEEDS}
            if full:
                for table in (t for f in FEEDS for t in f.tables):
                    db.execute(f"DELETE FROM {table}")
            for feed in FEEDS:
                lo = 0 if full else self._watermark(db, feed.name)
                hi = max(lo, marks[feed.name])
                rows = 0
                for a, b in _ranges(lo, hi, BATCH):
                    tables = {s.name: s.read(conn, a, b) for s in feed.sources}
                    rows += tables[feed.sources[0].name].num_rows
                    self._load(db, tables, feed.load, params)
                db.execute(
                    "INSERT INTO snapshot_feeds VALUES ($r, $feed, $lo, $hi, $rows)",
                    {"r": refresh_id, "feed": feed.name, "lo": lo, "hi": hi, "rows": rows},
                )
                report.rows[feed.name] = rows
                progress(f"{feed.name}: {rows} new rows")
            for table in REFERENCE_TABLES:
                db.execute(f"DELETE FROM {table}")
            for src, load in REFERENCES:
                top = conn.scalar(select(func.coalesce(func.max(src.key), 0)))
                for a, b in _ranges(0, top, BATCH):
                    self._load(db, {src.name: src.read(conn, a, b)}, (load,), params)
                progress(f"{src.name.removeprefix('ref_')}: replaced")
        for sql in DERIVE:
            db.execute(sql)
        for table in REFERENCE_TABLES:
            (report.rows[table],) = db.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
        report.seconds = time.perf_counter() - tick
        db.execute(
            "INSERT INTO snapshot_refreshes VALUES ($id, $source, $full, to_timestamp($t0), now())",
            {"id": refresh_id, "source": source, "full": full, "t0": started},
        )
        return report

    @staticmethod
    def _watermark(db: duckdb.DuckDBPyConnection, feed: str) -> int:
        row = db.execute(
            "SELECT to_id FROM snapshot_feeds WHERE feed = $feed ORDER BY refresh_id DESC LIMIT 1",
            {"feed": feed},
        ).fetchone()
        return row[0] if row else 0

    @staticmethod
    def _load(
        db: duckdb.DuckDBPyConnection,
        tables: dict,
        statements: tuple[str, ...],
        params: dict,
    ) -> None:
        for name, table in tables.items():
            db.register(name, table)
        try:
            for sql in statements:
                db.execute(sql, used_params(sql, params))
        finally:
            for name in tables:
                db.unregister(name)
