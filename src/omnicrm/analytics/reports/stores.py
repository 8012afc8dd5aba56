"""Store reports (A4): sales dynamics by week or month (in each store's own time zone), purchase
frequency by store, and loyalty registrations by store."""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, per, share
from omnicrm.analytics.reports.options import ReportOptions
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch


def store_dynamics(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Receipts, revenue, units and buyers per store and week/month."""
    params = prepare(db, query) | {"grain": options.grain}
    _, rows = fetch(
        db,
        """SELECT st.code, st.name,
                  strftime(date_trunc($grain, timezone(st.timezone, s.placed_at)), '%Y-%m-%d'),
                  count(*), sum(s.total_minor), sum(s.items), count(DISTINCT s.customer)
           FROM scoped s JOIN stores st ON st.id = s.store_id
           WHERE s.placed_at >= $since AND s.placed_at < $until
           GROUP BY ALL ORDER BY 1, 3""",
        params,
    )
    return Report(
        "store_dynamics",
        f"Sales dynamics by store and {options.grain}",
        ["store", "name", options.grain, "receipts", "revenue_minor", "units", "buyers"],
        [(c, n, p, r, int(v), int(u), b) for c, n, p, r, v, u, b in rows],
        [f"{options.grain}s start in the store's local time"],
    )


def store_frequency(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Per store: identified buyers, their receipts, receipts per buyer (and per year)."""
    params = prepare(db, query)
    _, rows = fetch(
        db,
        """SELECT st.code, st.name, count(DISTINCT s.customer), count(s.customer),
                  sum(s.total_minor) FILTER (WHERE s.customer IS NOT NULL)
           FROM scoped s JOIN stores st ON st.id = s.store_id
           WHERE s.placed_at >= $since AND s.placed_at < $until
           GROUP BY ALL ORDER BY 1""",
        params,
    )
    year = 365 / query.period.days
    out = []
    for code, name, buyers, receipts, spend in rows:
        frequency = share(receipts, buyers)
        out.append(
            (
                code,
                name,
                buyers,
                receipts,
                frequency,
                None if frequency is None else round(frequency * year, 4),
                per(int(spend or 0), receipts),
            )
        )
    return Report(
        "store_frequency",
        "Purchase frequency by store",
        [
            "store",
            "name",
            "buyers",
            "receipts",
            "receipts_per_buyer",
            "receipts_per_buyer_per_year",
            "average_receipt_minor",
        ],
        out,
        ["identified buyers only; a customer buying in two stores counts in both"],
    )


def registrations(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Loyalty members enrolled per store (their home store) per week/month."""
    params = prepare(db, query) | {"grain": options.grain}
    _, rows = fetch(
        db,
        """SELECT coalesce(st.code, '(no store)'), coalesce(st.name, ''),
                  strftime(date_trunc($grain, timezone(coalesce(st.timezone, 'UTC'),
                                                       p.enrolled_at)), '%Y-%m-%d'),
                  count(*)
           FROM people p LEFT JOIN stores st ON st.id = p.home_store_id
           WHERE p.enrolled_at >= $since AND p.enrolled_at < $until
             AND ($f_store IS NULL OR st.code = $f_store)
             AND ($f_city IS NULL OR coalesce(st.city, p.city) = $f_city)
             AND ($f_level IS NULL OR coalesce(p.level, '(none)') = $f_level)
           GROUP BY ALL ORDER BY 1, 3""",
        params,
    )
    return Report(
        "registrations",
        f"Registrations by store and {options.grain}",
        ["store", "name", options.grain, "members_enrolled"],
        rows,
        ["a member's store is the store that issued the card; the channel filter does not apply"],
    )
