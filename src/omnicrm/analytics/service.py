"""Running an analysis over a snapshot: what the router and the command line both call."""

from collections.abc import Callable
from functools import partial

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report
from omnicrm.analytics.reports import REPORTS, ReportOptions
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.core.errors import NotFound

Analysis = Callable[[duckdb.DuckDBPyConnection, Query], Report]


def run(snapshot: Snapshot, analysis: Analysis, query: Query) -> Report:
    """Run one analysis on a cursor of its own (its temporary tables die with it)."""
    cursor = snapshot.cursor()
    try:
        return analysis(cursor, query)
    finally:
        cursor.close()


def report_analysis(name: str, options: ReportOptions) -> Analysis:
    """The retail report ``name`` with its options bound."""
    if name not in REPORTS:
        raise NotFound(f"no report {name!r}; reports: {', '.join(REPORTS)}")
    return partial(REPORTS[name], options=options)
