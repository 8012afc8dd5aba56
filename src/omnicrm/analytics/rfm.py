"""RFM (A2): segment sizes over a period, and how customers moved between segments from the
previous period to this one (a transition matrix). Scoring rules are in ``segments``."""

from typing import Any

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, share
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.segments import SEGMENTS, score_steps
from omnicrm.analytics.steps import fetch, run_steps

INACTIVE = "(no purchase)"

SIZES = """SELECT segment, count(*) AS customers, sum(count(*)) OVER () AS everyone,
                  avg(recency_days) AS recency_days, avg(frequency) AS frequency,
                  sum(monetary) AS monetary
           FROM cur_segments GROUP BY segment"""

MOVES = """SELECT coalesce(p.segment, $inactive) AS before, coalesce(c.segment, $inactive) AS after,
                  count(*) AS customers
           FROM prev_segments p FULL OUTER JOIN cur_segments c ON c.customer = p.customer
           GROUP BY ALL"""


def _score(db: duckdb.DuckDBPyConnection, query: Query, movement: bool) -> dict[str, Any]:
    params = prepare(db, query)
    run_steps(db, score_steps("scoped", "cur"), params)
    if movement:
        prev = query.period.previous()
        run_steps(
            db, score_steps("scoped", "prev"), {**params, "since": prev.since, "until": prev.until}
        )
    return params


def rfm_segments(db: duckdb.DuckDBPyConnection, query: Query) -> Report:
    """Each segment's size and its customers' average recency, frequency and spend."""
    params = _score(db, query, movement=False)
    _, rows = fetch(db, SIZES, params)
    found = {r[0]: r for r in rows}
    out = []
    for name in SEGMENTS:
        _, customers, everyone, recency, frequency, monetary = found.get(
            name, (name, 0, 0, None, None, 0)
        )
        out.append(
            (
                name,
                customers,
                share(customers, everyone),
                None if recency is None else round(recency, 1),
                None if frequency is None else round(frequency, 2),
                int(monetary or 0),
                (int(monetary) + customers // 2) // customers if customers else None,
            )
        )
    return Report(
        "rfm",
        "RFM segments",
        [
            "segment",
            "customers",
            "share",
            "avg_recency_days",
            "avg_frequency",
            "monetary_minor",
            "monetary_per_customer_minor",
        ],
        out,
        ["scores are quintiles of the customers who bought in the period; ties share a score"],
    )


def rfm_movement(db: duckdb.DuckDBPyConnection, query: Query) -> Report:
    """Customers by segment in the previous period (rows) and in this one (columns)."""
    params = _score(db, query, movement=True)
    _, rows = fetch(db, MOVES, {**params, "inactive": INACTIVE})
    cells = {(before, after): n for before, after, n in rows}
    names = [*SEGMENTS, INACTIVE]
    matrix = [
        (
            before,
            *(cells.get((before, after), 0) for after in names),
            sum(cells.get((before, after), 0) for after in names),
        )
        for before in names
    ]
    return Report(
        "rfm_movement",
        "RFM segment movement: previous period (rows) to this period (columns)",
        ["previous_segment", *names, "total"],
        matrix,
        [f"{INACTIVE}: bought in one period and not in the other"],
    )
