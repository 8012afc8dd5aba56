"""Customer rankings (A4): most / fewest items per receipt, by number of receipts, by receipt sum;
and inactive customers. Customers appear by id: the profile is one click away, and a report
exported to a spreadsheet should not carry names and phones."""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, per, share
from omnicrm.analytics.reports.options import ReportOptions
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

RANK_BY = {
    "items_per_receipt": "items / receipts",
    "receipts": "receipts",
    "receipt_sum": "spend",
}
"""Ranking expressions over ``rc_customers`` (fixed, chosen by report name)."""

CUSTOMERS = (
    "rc_customers",
    """SELECT s.customer, count(*) AS receipts, sum(s.items) AS items,
              sum(s.total_minor) AS spend, max(s.placed_at) AS last_at
       FROM scoped s WHERE s.customer IS NOT NULL AND s.placed_at >= $since
        AND s.placed_at < $until
       GROUP BY s.customer HAVING count(*) >= $min_receipts""",
)
COLUMNS = [
    "customer_id",
    "city",
    "level",
    "receipts",
    "items",
    "items_per_receipt",
    "receipt_sum_minor",
    "average_receipt_minor",
    "last_purchase",
]


def ranking(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions, by: str) -> Report:
    """Customers of the period ranked by ``by`` (a ``RANK_BY`` key), top or bottom."""
    params = prepare(db, query) | {"min_receipts": options.min_receipts, "limit": options.limit}
    run_steps(db, (CUSTOMERS,), params)
    direction = "ASC" if options.fewest else "DESC"
    _, rows = fetch(
        db,
        f"""SELECT c.customer, p.city, p.level, c.receipts, c.items, c.spend,
                   strftime(c.last_at, '%Y-%m-%d'), count(*) OVER ()
            FROM rc_customers c LEFT JOIN people p ON p.id = c.customer
            ORDER BY {RANK_BY[by]} {direction}, c.customer LIMIT $limit""",
        params,
    )
    out = [
        (
            cid,
            city,
            level,
            n,
            int(items),
            share(int(items), n, 2),
            int(spend),
            per(int(spend), n),
            last,
        )
        for cid, city, level, n, items, spend, last, _ in rows
    ]
    side = "fewest" if options.fewest else "most"
    return Report(
        by,
        f"Customers with the {side} {by.replace('_', ' ')}",
        COLUMNS,
        out,
        [f"customers with at least {options.min_receipts} receipt(s) in the period"],
        found=rows[0][-1] if rows else 0,
    )


def inactive(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Customers who bought before and not in the ``inactive_days`` before the period end, the
    most valuable first."""
    params = prepare(db, query) | {"days": options.inactive_days, "limit": options.limit}
    _, rows = fetch(
        db,
        """SELECT s.customer, p.city, p.level, count(*) AS receipts, sum(s.total_minor) AS spend,
                  strftime(max(s.placed_at), '%Y-%m-%d'),
                  date_diff('day', max(s.placed_at), $until), count(*) OVER ()
           FROM scoped s LEFT JOIN people p ON p.id = s.customer
           WHERE s.customer IS NOT NULL
           GROUP BY s.customer, p.city, p.level
           HAVING max(s.placed_at) < $until - to_days($days)
           ORDER BY spend DESC, s.customer LIMIT $limit""",
        params,
    )
    total = rows[0][-1] if rows else 0
    return Report(
        "inactive",
        f"Customers without a purchase in {options.inactive_days} days",
        ["customer_id", "city", "level", "receipts", "spend_minor", "last_purchase", "days_since"],
        [(c, city, lvl, n, int(v), last, days) for c, city, lvl, n, v, last, days, _ in rows],
        [f"{total} inactive customers in all; the {len(rows)} with the highest spend shown"],
        found=total,
    )
