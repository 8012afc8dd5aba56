"""Sales by demographic profile (A4): per gender, age band and city, identified buyers only."""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, per, share
from omnicrm.analytics.reports.options import PROFILES, ReportOptions
from omnicrm.analytics.reports.profiles import PEOPLE_BANDS, age_band_table
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

DIMENSIONS = ("gender", "age_band", "city")


def sales_by_profile(db: duckdb.DuckDBPyConnection, query: Query, options: ReportOptions) -> Report:
    """Buyers, receipts, revenue, average receipt and items per receipt per profile value."""
    params = prepare(db, query)
    db.register("age_bands", age_band_table())
    run_steps(db, (PEOPLE_BANDS,), params)
    rows = []
    for dimension in DIMENSIONS:
        _, found = fetch(
            db,
            f"""SELECT {PROFILES[dimension]} AS value, count(DISTINCT s.customer), count(*),
                       sum(s.total_minor), sum(s.items)
                FROM scoped s JOIN people p ON p.id = s.customer
                LEFT JOIN people_bands b ON b.id = p.id
                WHERE s.placed_at >= $since AND s.placed_at < $until
                GROUP BY ALL ORDER BY 4 DESC, 1""",
            params,
        )
        rows += [
            (dimension, v, b, n, int(t), per(int(t), n), share(int(i), n, 2))
            for v, b, n, t, i in found
        ]
    return Report(
        "demographics",
        "Sales by demographic profile",
        [
            "dimension",
            "value",
            "buyers",
            "receipts",
            "revenue_minor",
            "average_receipt_minor",
            "items_per_receipt",
        ],
        rows,
        ["identified buyers only; age at the period end"],
    )
