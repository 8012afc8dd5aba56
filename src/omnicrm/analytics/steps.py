"""Named SQL steps: an analysis is a queue of ``(name, sql)`` pairs, each step a temporary table
read by the steps after it, each value a bound ``$parameter`` (never spliced into the text).

The shape keeps every analysis readable one step at a time, lets a test look at any intermediate
table, and is what a distributed engine runs as a chain of views or CTEs (see ``snapshot``).
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb

Step = tuple[str, str]
PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def used_params(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``params`` that ``sql`` names (DuckDB refuses unused named parameters)."""
    names = set(PARAM.findall(sql))
    missing = names - params.keys()
    if missing:
        raise KeyError(f"no value for parameters {sorted(missing)}")
    return {name: params[name] for name in names}


def run_steps(
    db: duckdb.DuckDBPyConnection, steps: Iterable[Step], params: Mapping[str, Any]
) -> None:
    """Materialise each step as a temporary table named after it."""
    for name, sql in steps:
        db.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", used_params(sql, params))


def fetch(
    db: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of ``sql``."""
    cursor = db.execute(sql, used_params(sql, params))
    return [d[0] for d in cursor.description], cursor.fetchall()
