"""Cohorts: customers grouped by the month of their first purchase (in scope, over all history),
then, month by month after it, how many bought again (retention) and what they spent.

Months are calendar months in UTC. Only cohorts whose first month starts in the period are shown,
followed up to the period end.
"""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, per, share
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

STEPS = (
    (
        "c_first",
        """SELECT customer, date_trunc('month', min(placed_at)) AS cohort FROM scoped
           WHERE customer IS NOT NULL GROUP BY customer""",
    ),
    (
        "c_months",
        """SELECT f.cohort, date_diff('month', f.cohort, date_trunc('month', s.placed_at)) AS age,
                  count(DISTINCT s.customer) AS customers, count(*) AS orders,
                  sum(s.total_minor) AS revenue
           FROM scoped s JOIN c_first f ON f.customer = s.customer
           WHERE f.cohort >= date_trunc('month', $since) AND f.cohort < $until
           GROUP BY ALL""",
    ),
)
TABLE = """SELECT strftime(cohort, '%Y-%m') AS cohort, age, customers,
                  first_value(customers) OVER (PARTITION BY cohort ORDER BY age) AS size,
                  orders, revenue
           FROM c_months ORDER BY cohort, age"""


def cohorts(db: duckdb.DuckDBPyConnection, query: Query) -> Report:
    """One row per cohort and month since the first purchase."""
    params = prepare(db, query)
    run_steps(db, STEPS, params)
    _, rows = fetch(db, TABLE, params)
    out = [
        (
            cohort,
            age,
            size,
            customers,
            share(customers, size),
            orders,
            int(revenue),
            per(int(revenue), size),
        )
        for cohort, age, customers, size, orders, revenue in rows
    ]
    return Report(
        "cohorts",
        "Cohorts by month of first purchase",
        [
            "cohort",
            "month",
            "cohort_size",
            "active_customers",
            "retention",
            "orders",
            "revenue_minor",
            "revenue_per_cohort_customer_minor",
        ],
        out,
        ["month 0 is the month of the first purchase; months are UTC calendar months"],
    )
