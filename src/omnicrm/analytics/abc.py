"""ABC and XYZ analysis (A3) of customers, product groups (categories) and SKUs by revenue, units
and orders over a period, and of categories and SKUs by average stock on hand.

ABC: subjects sorted by the measure, largest first; a subject is A while the share of the total
*before* it is under ``a`` (so the one crossing 80% is still A), B under ``b``, C after.
XYZ: the coefficient of variation of the measure by calendar month over the months the period
spans (months without sales count as zero): X up to ``x``, Y up to ``y``, Z above.
"""

from dataclasses import dataclass
from datetime import timedelta

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

SUBJECTS = {"customer": "CAST(customer AS VARCHAR)", "category": "category", "sku": "sku"}
MEASURES = {
    "revenue": "sum(amount_minor)",
    "units": "sum(qty)",
    "orders": "count(DISTINCT order_id)",
}
"""Fixed expressions over ``abc_lines``, chosen by name (never user text)."""
STOCK = "stock"
STOCK_SUBJECTS = {"category": "p.category", "sku": "p.sku"}
"""Average stock is a measure of goods, not of customers: month by month, the mean over the
month's count days of the units on hand in every store (filtered by store and city), divided by
the months of the period so that an item's value is its average over the period."""
MEASURE_NAMES = (*MEASURES, STOCK)
STOCK_MONTHLY = """SELECT item, month, avg(units) / $months AS value
   FROM (SELECT {item} AS item, date_trunc('month', k.day) AS month, k.day,
                sum(k.qty_on_hand) AS units
         FROM stock_levels k JOIN products p ON p.id = k.product_id
         JOIN stores st ON st.id = k.store_id
         WHERE k.day >= CAST($since AS DATE) AND k.day < CAST($until AS DATE)
           AND ($f_store IS NULL OR st.code = $f_store)
           AND ($f_city IS NULL OR st.city = $f_city)
         GROUP BY ALL)
   GROUP BY ALL"""


@dataclass(frozen=True, slots=True)
class AbcRules:
    a: float = 0.8
    b: float = 0.95
    x: float = 0.1
    y: float = 0.25


LINES = (
    "abc_lines",
    """SELECT s.customer, s.id AS order_id, date_trunc('month', s.placed_at) AS month,
              l.qty, l.amount_minor, p.sku, p.category
       FROM scoped s JOIN order_lines l ON l.order_id = s.id
       JOIN products p ON p.id = l.product_id
       WHERE s.placed_at >= $since AND s.placed_at < $until""",
)


def monthly_step(subject: str, measure: str) -> tuple[str, str]:
    """Each item's measure per calendar month."""
    if measure == STOCK:
        return ("abc_monthly", STOCK_MONTHLY.format(item=STOCK_SUBJECTS[subject]))
    item, value = SUBJECTS[subject], MEASURES[measure]
    return (
        "abc_monthly",
        f"""SELECT {item} AS item, month, {value} AS value FROM abc_lines
            WHERE {item} IS NOT NULL GROUP BY ALL""",
    )


def steps(subject: str, measure: str) -> tuple[tuple[str, str], ...]:
    return (
        monthly_step(subject, measure),
        (
            "abc_items",
            """SELECT item, sum(value) AS value,
                      sqrt(greatest(sum(value * value) / $months
                                    - (sum(value) / $months) ^ 2, 0))
                          / nullif(sum(value) / $months, 0) AS cv
               FROM abc_monthly GROUP BY item""",
        ),
        (
            "abc_ranked",
            """SELECT item, value, cv,
                      coalesce(sum(value) OVER (ORDER BY value DESC, item
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                          / sum(value) OVER () AS share_before,
                      value / sum(value) OVER () AS share
               FROM abc_items""",
        ),
        (
            "abc_classes",
            """SELECT *, CASE WHEN share_before < $a THEN 'A' WHEN share_before < $b THEN 'B'
                              ELSE 'C' END AS abc,
                         CASE WHEN cv IS NULL THEN 'Z' WHEN cv <= $x THEN 'X'
                              WHEN cv <= $y THEN 'Y' ELSE 'Z' END AS xyz
               FROM abc_ranked""",
        ),
    )


SUMMARY = """SELECT abc, xyz, count(*) AS items, count(*) / sum(count(*)) OVER () AS item_share,
                    sum(value) AS value, sum(share) AS value_share
             FROM abc_classes GROUP BY abc, xyz ORDER BY abc, xyz"""
DETAIL = """SELECT item, value, share, share_before + share AS cumulative_share, cv, abc, xyz
            FROM abc_classes ORDER BY value DESC, item LIMIT $limit"""


def months_spanned(query: Query) -> int:
    """Calendar months the period touches (the XYZ denominator)."""
    first, last = query.period.since, query.period.until - timedelta(microseconds=1)
    return (last.year - first.year) * 12 + last.month - first.month + 1


def abc(
    db: duckdb.DuckDBPyConnection,
    query: Query,
    subjects: tuple[str, ...] = tuple(SUBJECTS),
    measures: tuple[str, ...] = MEASURE_NAMES,
    rules: AbcRules = AbcRules(),
    detail: int = 0,
) -> Report:
    """ABC x XYZ summary per subject and measure; with ``detail`` > 0, the top ``detail``
    subjects one per row instead (for one subject and one measure). The stock measure skips
    customers (they hold no stock); asked for customers alone, it is an error."""
    for name, allowed in (("subject", SUBJECTS), ("measure", MEASURE_NAMES)):
        for value in subjects if name == "subject" else measures:
            if value not in allowed:
                raise ValueError(f"unknown {name} {value!r}; one of {sorted(allowed)}")
    pairs = [(s, m) for s in subjects for m in measures if m != STOCK or s in STOCK_SUBJECTS]
    if not pairs:
        raise ValueError(f"average stock is measured for {' and '.join(STOCK_SUBJECTS)} only")
    params = prepare(db, query)
    params |= {"months": months_spanned(query), "a": rules.a, "b": rules.b, "x": rules.x}
    params |= {"y": rules.y, "limit": detail}
    run_steps(db, [LINES], params)
    rows = []
    columns: list[str] = []
    items = 0
    for subject, measure in pairs:
        run_steps(db, steps(subject, measure), params)
        columns, found = fetch(db, DETAIL if detail else SUMMARY, params)
        rows += [(subject, measure, *_tidy(r)) for r in found]
        if detail:
            items += fetch(db, "SELECT count(*) FROM abc_classes", params)[1][0][0]
    return Report(
        "abc",
        "ABC / XYZ analysis",
        ["subject", "measure", *columns],
        rows,
        [
            f"months in period: {params['months']}",
            "stock: the average units on hand over the period from the stock feed's counts",
        ],
        found=items if detail else None,
    )


def _tidy(row: tuple) -> tuple:
    return tuple(round(v, 4) if isinstance(v, float) else v for v in row)
