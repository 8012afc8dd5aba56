"""Product reports (A4): product loyalty by customer profile, and sales (stock beside sales is
the ``sales_stock`` report, ``stock.py``)."""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, share
from omnicrm.analytics.reports.options import GROUPS, PROFILES, ReportOptions
from omnicrm.analytics.reports.profiles import PEOPLE_BANDS, age_band_table
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

LINES = """SELECT s.customer, s.id AS order_id, {group} AS item, l.qty, l.amount_minor
           FROM scoped s JOIN order_lines l ON l.order_id = s.id
           JOIN products pr ON pr.id = l.product_id
           WHERE s.placed_at >= $since AND s.placed_at < $until"""


def product_loyalty(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Per customer profile and product group: buyers of the group in the period and the share of
    them who bought it in two or more receipts (repeat purchase share)."""
    params = prepare(db, query)
    db.register("age_bands", age_band_table())
    run_steps(
        db,
        (
            PEOPLE_BANDS,
            ("pl_lines", LINES.format(group=GROUPS[options.group])),
            (
                "pl_customers",
                """SELECT customer, item, count(DISTINCT order_id) AS receipts,
                          sum(amount_minor) AS revenue
                   FROM pl_lines WHERE customer IS NOT NULL GROUP BY ALL""",
            ),
        ),
        params,
    )
    _, rows = fetch(
        db,
        f"""SELECT {PROFILES[options.profile]} AS profile, c.item, count(*) AS buyers,
                   count(*) FILTER (WHERE c.receipts >= 2) AS repeat_buyers,
                   sum(c.revenue) AS revenue
            FROM pl_customers c JOIN people p ON p.id = c.customer
            LEFT JOIN people_bands b ON b.id = p.id
            GROUP BY ALL ORDER BY profile, buyers DESC, c.item""",
        params,
    )
    return Report(
        "product_loyalty",
        f"Product loyalty by {options.profile} and {options.group}",
        [
            options.profile,
            options.group,
            "buyers",
            "repeat_buyers",
            "repeat_share",
            "revenue_minor",
        ],
        [(p, g, n, r, share(r, n), int(v)) for p, g, n, r, v in rows],
        ["repeat buyer: bought the group in two or more receipts in the period"],
    )


def sales(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Units, revenue and receipts per product group in the period, returns made in it, and net."""
    params = prepare(db, query)
    group = GROUPS[options.group]
    run_steps(db, (("sl_lines", LINES.format(group=group)),), params)
    _, rows = fetch(
        db,
        f"""WITH sold AS (SELECT item, sum(qty) AS units, sum(amount_minor) AS revenue,
                                 count(DISTINCT order_id) AS receipts FROM sl_lines GROUP BY item),
                 back AS (SELECT {group} AS item, sum(rl.qty) AS units,
                                 sum(rl.amount_minor) AS amount
                          FROM return_lines rl JOIN returns r ON r.id = rl.return_id
                          JOIN scoped s ON s.id = rl.order_id
                          JOIN order_lines l ON l.order_id = rl.order_id
                                            AND l.line_no = rl.order_line_no
                          JOIN products pr ON pr.id = l.product_id
                          WHERE r.returned_at >= $since AND r.returned_at < $until
                          GROUP BY ALL)
            SELECT coalesce(s.item, b.item) AS item, coalesce(s.units, 0), coalesce(s.revenue, 0),
                   coalesce(s.receipts, 0), coalesce(b.units, 0), coalesce(b.amount, 0),
                   count(*) OVER () AS groups
            FROM sold s FULL OUTER JOIN back b ON b.item = s.item
            ORDER BY 3 DESC, 1 LIMIT $limit""",
        params | {"limit": options.limit},
    )
    groups = rows[0][-1] if rows else 0
    return Report(
        "sales",
        f"Sales by {options.group}",
        [
            options.group,
            "units",
            "revenue_minor",
            "receipts",
            "returned_units",
            "returned_minor",
            "net_revenue_minor",
        ],
        [
            (i, int(u), int(v), n, int(ru), int(rv), int(v) - int(rv))
            for i, u, v, n, ru, rv, _ in rows
        ],
        ["stock on hand beside these sales: the sales_stock report"],
        found=groups,
    )
