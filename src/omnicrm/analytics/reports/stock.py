"""Sales and stock (A4): per store and product group, what sold in the period against what the
stock feed counted on hand, with sell-through and days of cover.

Sales are the scoped receipts of a store (online orders have no shelf here); stock is the
inventory's end-of-day counts. Per store and item: ``average_stock`` = mean of the item's counts
dated in the period (summed over the group's SKUs), ``closing_stock`` = the last count dated
before the period ends; ``sell_through`` = units / (units + closing stock), the share of what
was available that sold; ``days_of_cover`` = closing stock / (units per day of the period), how
long the closing stock lasts at the period's pace (none when nothing sold).
"""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, share
from omnicrm.analytics.reports.options import GROUPS, ReportOptions
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

STOCK_FILTER = """($f_store IS NULL OR st.code = $f_store)
                  AND ($f_city IS NULL OR st.city = $f_city)"""


def steps(group: str) -> tuple[tuple[str, str], ...]:
    item = GROUPS[group]
    return (
        (
            "ss_sold",
            f"""SELECT s.store_id, {item} AS item, sum(l.qty) AS units,
                       sum(l.amount_minor) AS revenue
                FROM scoped s JOIN order_lines l ON l.order_id = s.id
                JOIN products pr ON pr.id = l.product_id
                WHERE s.store_id IS NOT NULL
                  AND s.placed_at >= $since AND s.placed_at < $until
                GROUP BY ALL""",
        ),
        (
            "ss_counts",
            f"""SELECT k.store_id, k.product_id, {item} AS item, k.day, k.qty_on_hand
                FROM stock_levels k JOIN products pr ON pr.id = k.product_id
                JOIN stores st ON st.id = k.store_id
                WHERE k.day < CAST($until AS DATE) AND {STOCK_FILTER}""",
        ),
        (
            "ss_stock",
            """SELECT store_id, item,
                      sum(average) AS average_stock, sum(closing) AS closing_stock
               FROM (SELECT store_id, product_id, item,
                            avg(qty_on_hand) FILTER (WHERE day >= CAST($since AS DATE))
                                AS average,
                            arg_max(qty_on_hand, day) AS closing
                     FROM ss_counts GROUP BY ALL)
               GROUP BY ALL""",
        ),
    )


def sales_and_stock(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Units and revenue sold, average and closing stock, sell-through and days of cover per
    store and product group (``options.group``), the best sellers first."""
    params = prepare(db, query)
    run_steps(db, steps(options.group), params)
    _, rows = fetch(
        db,
        """SELECT st.code, coalesce(s.item, k.item) AS item, coalesce(s.units, 0),
                  coalesce(s.revenue, 0), k.average_stock, k.closing_stock
           FROM ss_sold s FULL OUTER JOIN ss_stock k
                ON k.store_id = s.store_id AND k.item = s.item
           JOIN stores st ON st.id = coalesce(s.store_id, k.store_id)
           ORDER BY 3 DESC, 1, 2 LIMIT $limit""",
        params | {"limit": options.limit},
    )
    days = query.period.days
    out = []
    for store, item, units, revenue, average, closing in rows:
        units, closing = int(units), None if closing is None else int(closing)
        out.append(
            (
                store,
                item,
                units,
                int(revenue),
                None if average is None else round(float(average), 2),
                closing,
                None if closing is None else share(units, units + closing),
                days_of_cover(closing, units, days),
            )
        )
    return Report(
        "sales_stock",
        f"Sales and stock by store and {options.group}",
        [
            "store",
            options.group,
            "units",
            "revenue_minor",
            "average_stock",
            "closing_stock",
            "sell_through",
            "days_of_cover",
        ],
        out,
        [
            "sales: receipts of stores (online orders have no store stock); stock: the stock "
            "feed's end-of-day counts, summed over the group's SKUs",
            "sell-through = units / (units + closing stock); days of cover = closing stock / "
            "units sold per day of the period (empty when nothing sold)",
        ],
    )


def days_of_cover(closing: int | None, units: int, days: float) -> float | None:
    """How many days ``closing`` units last at the pace of ``units`` sold in ``days``."""
    if closing is None or units <= 0:
        return None
    return round(closing * days / units, 1)
