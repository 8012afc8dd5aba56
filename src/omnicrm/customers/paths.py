"""Aggregated journeys (C4, C6): which channel sequences lead to a first and to a repeat purchase,
and how often the cross-channel scenarios happen.

Computed in DuckDB over Arrow tables read once from the store (``touchpoints``), not in SQL on
the store itself: the work is window functions and ordered list aggregation over every touchpoint
of every customer, which DuckDB runs columnar and in parallel, and which SQLite and PostgreSQL
spell differently (``group_concat`` has no order on SQLite). The store only scans four tables.

Definitions:

* a *purchase* is an order that was not cancelled; a customer's first purchase ever (by time,
  then id) is their first purchase, every later one a repeat. Only purchases placed in
  ``[since, until)`` are counted, but "first" looks at the whole history.
* a purchase's *path* is the channels of the customer's touchpoints (events and orders) in the
  ``lookback_days`` before it and after their previous purchase, the purchase itself last, with
  consecutive repeats collapsed (``web, web, store`` is ``web > store``). Outbound messages
  (sent, delivered) are the retailer's, not the customer's, and are not touchpoints.
* the cross-channel cases are declared as data below; "research online, buy offline" is a store
  receipt with a web or app view of one of its products (or of its category) by the same
  customer in the ``research_days`` before it.
"""

from dataclasses import dataclass
from datetime import datetime

import duckdb
from sqlalchemy import Connection

from omnicrm.customers.schemas import CrossChannelCase, JourneyPaths, PathCount, StagePaths
from omnicrm.customers.touchpoints import PathInputs, read_inputs

DAY = 86_400
OUTBOUND_KINDS = ["message_sent", "message_delivered"]
ONLINE = ("web", "app")


@dataclass(frozen=True, slots=True)
class FulfilmentCase:
    """A scenario recognised by where an order was placed and how it reached the customer."""

    name: str
    description: str
    channels: tuple[str, ...]
    fulfilment: str


FULFILMENT_CASES = (
    FulfilmentCase(
        name="click_and_collect",
        description="ordered on the site or app, picked up in a store",
        channels=ONLINE,
        fulfilment="click_and_collect",
    ),
    FulfilmentCase(
        name="pickup_point",
        description="ordered remotely, collected at a pickup point",
        channels=(*ONLINE, "call_centre", "marketplace"),
        fulfilment="pickup_point",
    ),
    FulfilmentCase(
        name="call_centre_home_delivery",
        description="ordered by phone, delivered home",
        channels=("call_centre",),
        fulfilment="courier",
    ),
    FulfilmentCase(
        name="store_home_delivery",
        description="ordered in a store, delivered home",
        channels=("store",),
        fulfilment="courier",
    ),
)


@dataclass(frozen=True, slots=True)
class PathQuery:
    since: datetime | None = None
    until: datetime | None = None
    lookback_days: int = 30
    research_days: int = 7
    top: int = 10


STEPS = (
    (
        "purchases",
        """SELECT id, customer_id, channel, fulfilment, ts,
                  row_number() OVER w AS nth, lag(ts) OVER w AS prev_ts
           FROM orders WHERE status <> 'cancelled'
           WINDOW w AS (PARTITION BY customer_id ORDER BY ts, id)""",
    ),
    (
        "in_window",
        """SELECT * FROM purchases
           WHERE ($since IS NULL OR ts >= $since) AND ($until IS NULL OR ts < $until)""",
    ),
    (
        "touches",
        """SELECT customer_id, channel, ts, 0 AS rank, id FROM events
           WHERE NOT list_contains($outbound, kind)
           UNION ALL SELECT customer_id, channel, ts, 1 AS rank, id FROM orders""",
    ),
    (
        "steps",
        """SELECT p.id AS purchase, p.nth, t.channel, t.ts, t.rank, t.id,
                  lag(t.channel) OVER (PARTITION BY p.id ORDER BY t.ts, t.rank, t.id) AS before
           FROM in_window p JOIN touches t ON t.customer_id = p.customer_id
           WHERE t.ts > p.ts - $lookback AND (p.prev_ts IS NULL OR t.ts > p.prev_ts)
             AND (t.ts < p.ts OR (t.ts = p.ts AND (t.rank = 0 OR t.id <= p.id)))""",
    ),
    (
        "paths",
        """SELECT purchase, any_value(nth) AS nth,
                  list(channel ORDER BY ts, rank, id) AS path
           FROM steps WHERE before IS DISTINCT FROM channel GROUP BY purchase""",
    ),
    (
        "views",
        """SELECT e.customer_id, e.ts, e.product_id, p.category_id
           FROM events e JOIN products p ON p.id = e.product_id
           WHERE e.kind = 'product_view' AND list_contains($online, e.channel)""",
    ),
    (
        "ropo",
        """SELECT r.id, any_value(r.customer_id) AS customer_id,
                  bool_or(v.product_id = l.product_id) AS same_product
           FROM in_window r JOIN store_lines l ON l.order_id = r.id
           JOIN products p ON p.id = l.product_id
           JOIN views v ON v.customer_id = r.customer_id
                AND v.ts <= r.ts AND v.ts >= r.ts - $research
                AND (v.product_id = l.product_id OR v.category_id = p.category_id)
           WHERE r.channel = 'store' GROUP BY r.id""",
    ),
)
"""The pipeline, one named step per temporary table, each reading the ones before it."""


def _run_pipeline(db: duckdb.DuckDBPyConnection, query: PathQuery) -> None:
    params = {
        "since": _epoch(query.since),
        "until": _epoch(query.until),
        "outbound": OUTBOUND_KINDS,
        "online": list(ONLINE),
        "lookback": query.lookback_days * DAY,
        "research": query.research_days * DAY,
    }
    for name, sql in STEPS:
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        db.execute(f"CREATE TEMP TABLE {name} AS {sql}", used)


def _epoch(at: datetime | None) -> int | None:
    return None if at is None else int(at.timestamp())


def _stage(db: duckdb.DuckDBPyConnection, first: bool, top: int) -> StagePaths:
    stage = "nth = 1" if first else "nth > 1"
    purchases, multichannel = db.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE len(list_distinct(path)) > 1)
            FROM paths WHERE {stage}"""
    ).fetchone()  # type: ignore[misc]
    rows = db.execute(
        f"""SELECT path, count(*) AS n FROM paths WHERE {stage}
            GROUP BY path ORDER BY n DESC, array_to_string(path, '>') LIMIT $top""",
        {"top": top},
    ).fetchall()
    return StagePaths(
        purchases=purchases,
        multichannel=multichannel,
        paths=[PathCount(path=p, purchases=n, share=round(n / purchases, 4)) for p, n in rows],
    )


def _case(
    name: str, description: str, orders: int, customers: int, base: int, **detail: int
) -> CrossChannelCase:
    return CrossChannelCase(
        case=name,
        description=description,
        orders=orders,
        customers=customers,
        base=base,
        share=round(orders / base, 4) if base else 0.0,
        detail=detail,
    )


def _fulfilment_case(db: duckdb.DuckDBPyConnection, case: FulfilmentCase) -> CrossChannelCase:
    """Purchases on the case's channels fulfilled its way, among all purchases on them."""
    orders, customers, base = db.execute(
        """SELECT count(*) FILTER (WHERE fulfilment = $kind),
                  count(DISTINCT customer_id) FILTER (WHERE fulfilment = $kind), count(*)
           FROM in_window WHERE list_contains($channels, channel)""",
        {"channels": list(case.channels), "kind": case.fulfilment},
    ).fetchone()  # type: ignore[misc]
    return _case(case.name, case.description, orders, customers, base)


def _research_online_case(db: duckdb.DuckDBPyConnection) -> CrossChannelCase:
    """Store receipts researched online, among all store receipts."""
    receipts = db.execute("SELECT count(*) FROM in_window WHERE channel = 'store'")
    (base,) = receipts.fetchone()  # type: ignore[misc]
    orders, customers, same_product = db.execute(
        """SELECT count(*), count(DISTINCT customer_id), count(*) FILTER (WHERE same_product)
           FROM ropo"""
    ).fetchone()  # type: ignore[misc]
    return _case(
        "research_online_buy_offline",
        "a store receipt whose product (or its category) the customer viewed online before",
        orders,
        customers,
        base,
        same_product=same_product,
        same_category_only=orders - same_product,
    )


def compute_paths(inputs: PathInputs, query: PathQuery) -> JourneyPaths:
    """The aggregates of ``query`` over ``inputs`` (no database: Arrow in, answer out)."""
    with duckdb.connect() as db:
        for name in ("orders", "events", "store_lines", "products"):
            db.register(name, getattr(inputs, name))
        _run_pipeline(db, query)
        return JourneyPaths(
            since=query.since,
            until=query.until,
            lookback_days=query.lookback_days,
            research_days=query.research_days,
            first_purchase=_stage(db, True, query.top),
            repeat_purchase=_stage(db, False, query.top),
            cross_channel=[
                *(_fulfilment_case(db, case) for case in FULFILMENT_CASES),
                _research_online_case(db),
            ],
        )


def journey_paths(conn: Connection, query: PathQuery) -> JourneyPaths:
    """Read the store once and aggregate."""
    return compute_paths(read_inputs(conn), query)
