"""The purchases an analysis looks at: every non-cancelled order placed before the period end, with
its customer's profile and its store, filtered and labelled with the breakdown group (``grp``).

Every analysis starts from the ``scoped`` table this module builds, so a filter or a breakdown
means the same thing in all of them.
"""

from typing import Any

import duckdb

from omnicrm.analytics.query import DIMENSIONS, Query
from omnicrm.analytics.segments import score_steps, segment_table
from omnicrm.analytics.steps import Step, run_steps


def scope_steps(query: Query) -> tuple[Step, ...]:
    segment, join = (
        ("ms.segment", "LEFT JOIN member_segments ms ON ms.customer = o.customer")
        if query.needs_segments
        else ("CAST(NULL AS VARCHAR)", "")
    )
    return (
        (
            "scoped",
            f"""SELECT *, {DIMENSIONS[query.by]} AS grp
                FROM (SELECT o.id, o.customer, o.channel, o.store_id, st.code AS store,
                             coalesce(st.city, p.city) AS city,
                             coalesce(p.level, '(none)') AS level, {segment} AS segment,
                             o.placed_at, o.total_minor, o.items, o.points_minor, o.fulfilment,
                             o.fulfilled, o.utm_source, p.enrolled_at
                      FROM purchases o LEFT JOIN people p ON p.id = o.customer
                      LEFT JOIN stores st ON st.id = o.store_id {join}
                      WHERE o.placed_at < $until) purchase
                WHERE ($f_channel IS NULL OR channel = $f_channel)
                  AND ($f_store IS NULL OR store = $f_store)
                  AND ($f_city IS NULL OR city = $f_city)
                  AND ($f_level IS NULL OR level = $f_level)
                  AND ($f_segment IS NULL OR segment = $f_segment)""",
        ),
    )


NO_SEGMENTS = (
    (
        "member_segments",
        "SELECT CAST(NULL AS BIGINT) AS customer, CAST(NULL AS VARCHAR) AS segment LIMIT 0",
    ),
)
"""An empty ``member_segments`` when no segment is asked for, so steps can always join it."""


def prepare(db: duckdb.DuckDBPyConnection, query: Query) -> dict[str, Any]:
    """Build ``scoped`` (and ``member_segments`` when segments are asked for) on ``db``; return
    the parameters the analysis steps bind."""
    params: dict[str, Any] = {
        "since": query.period.since,
        "until": query.period.until,
        **query.filters.params(),
    }
    db.register("rfm_grid", segment_table())
    segments = score_steps("purchases", "member") if query.needs_segments else NO_SEGMENTS
    run_steps(db, [*segments, *scope_steps(query)], params)
    return params
