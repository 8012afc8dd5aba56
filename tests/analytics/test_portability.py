"""The analyses' SQL steps are plain enough for a distributed engine: every step transpiles from
DuckDB to Spark SQL, Trino and ClickHouse with sqlglot, refusing anything unsupported. (This checks
the claim in ``snapshot``'s docstring; ``test_spark`` runs them on Spark and compares.)"""

from datetime import UTC, datetime

import pytest
import sqlglot

from omnicrm.analytics import abc, attribution, cohorts, funnel, kpi, segments
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.scope import scope_steps

QUERY = Query(Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)), by="city")
STEPS = [
    *scope_steps(QUERY),
    *segments.score_steps("scoped", "cur"),
    *kpi.STEPS,
    *cohorts.STEPS,
    *funnel.STEPS,
    *attribution.STEPS,
    abc.LINES,
    *(step for s in abc.SUBJECTS for m in abc.MEASURES for step in abc.steps(s, m)),
]


@pytest.mark.parametrize("dialect", ["spark", "trino", "clickhouse"])
def test_every_step_transpiles(dialect: str) -> None:
    for name, sql in STEPS:
        out = sqlglot.transpile(
            sql, read="duckdb", write=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE
        )
        assert out, name
