"""When and where people buy (A2): receipts by hour of day x day of week in the local time of the
place of purchase, and by city and store.

Local time: the store's zone for a store purchase; for an order with no store (web, app, call
centre, marketplace) the zone of the customer's home store, else ``OMNICRM_CUSTOMER_TIMEZONE``
(the customer is where they are, not where our server is). Both reports keep the usual filters
and carry the breakdown (``by``: channel, segment, ...) as their first column.
"""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, per, share
from omnicrm.analytics.reports.options import ReportOptions
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps
from omnicrm.core.settings import get_settings

LOCAL = (
    "local_purchases",
    """SELECT s.grp, s.id, s.customer, s.total_minor, s.store, s.city,
              timezone(coalesce(st.timezone, hs.timezone, $zone), s.placed_at) AS local_at
       FROM scoped s LEFT JOIN stores st ON st.id = s.store_id
       LEFT JOIN people p ON p.id = s.customer
       LEFT JOIN stores hs ON hs.id = p.home_store_id
       WHERE s.placed_at >= $since AND s.placed_at < $until""",
)


def _params(db: duckdb.DuckDBPyConnection, query: Query) -> dict:
    params = prepare(db, query) | {"zone": get_settings().customer_timezone}
    run_steps(db, [LOCAL], params)
    return params


def purchase_times(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Receipts, revenue and buyers per weekday (1 = Monday) and local hour: the heatmap's
    cells (cells with no receipt are left out)."""
    params = _params(db, query)
    _, rows = fetch(
        db,
        """SELECT grp, isodow(local_at) AS weekday, hour(local_at) AS hour, count(*),
                  sum(total_minor), count(DISTINCT customer)
           FROM local_purchases GROUP BY ALL ORDER BY 1, 2, 3""",
        params,
    )
    return Report(
        "purchase_times",
        f"Purchases by hour and day of week, by {query.by}",
        [query.by, "weekday", "hour", "receipts", "revenue_minor", "buyers"],
        [(g, d, h, n, int(v), b) for g, d, h, n, v, b in rows],
        [
            "local time of the store; orders without a store: the customer's home store's zone, "
            f"else {params['zone']}",
            "weekday 1 = Monday ... 7 = Sunday",
        ],
    )


def purchase_places(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Receipts, revenue, buyers and average receipt per city and store, with each place's share
    of the revenue; orders without a store count under the customer's city."""
    params = _params(db, query)
    _, rows = fetch(
        db,
        """SELECT grp, coalesce(city, '(unknown)'), coalesce(store, '(no store)'), count(*),
                  sum(total_minor), count(DISTINCT customer),
                  sum(sum(total_minor)) OVER (PARTITION BY grp)
           FROM local_purchases GROUP BY 1, 2, 3 ORDER BY 1, 5 DESC, 2, 3""",
        params,
    )
    return Report(
        "purchase_places",
        f"Purchases by city and store, by {query.by}",
        [
            query.by,
            "city",
            "store",
            "receipts",
            "revenue_minor",
            "buyers",
            "average_receipt_minor",
            "revenue_share",
        ],
        [
            (g, c, s, n, int(v), b, per(int(v), n), share(int(v), int(t)))
            for g, c, s, n, v, b, t in rows
        ],
        ["the store's city, else the customer's; orders without a store under (no store)"],
    )
