"""Several reads in one round trip. On PostgreSQL the statements go out together in psycopg's
pipeline mode (each one prepared once psycopg has seen it a few times, as for any statement)
and their rows come back together: in a transaction, its BEGIN travels with them. SQLite runs
them one after another (there is no network to save)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled

_COMPILED: dict[tuple[Executable, str], Compiled] = {}

Rows = list[dict[str, Any]]


def fetch_all(conn: Connection, queries: Sequence[tuple[Executable, dict]]) -> list[Rows]:
    """Each query's rows, as dicts of column label to value. The queries must be built once
    (module level or cached): PostgreSQL's compiled SQL is kept per statement object; and they
    may hold no expanding IN (use ``= ANY(array)``)."""
    if conn.dialect.name != "postgresql":
        return [[dict(row._mapping) for row in conn.execute(q, p)] for q, p in queries]
    raw: Any = conn.connection.dbapi_connection
    cursors = []
    try:
        with raw.pipeline():
            for query, params in queries:
                compiled = _compile(conn, query)
                cursor = raw.cursor()
                cursor.execute(compiled.string, compiled.construct_params(params))
                cursors.append(cursor)
    except conn.dialect.dbapi.Error as exc:  # raised when the pipeline syncs
        raise DBAPIError.instance(None, None, exc, conn.dialect.dbapi.Error) from exc
    return [_rows(cursor) for cursor in cursors]


def _compile(conn: Connection, query: Executable) -> Compiled:
    key = (query, conn.dialect.name)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = query.compile(dialect=conn.dialect)  # type: ignore[attr-defined]
    return compiled


def _rows(cursor: Any) -> Rows:
    """Rows as ``UtcDateTime`` would give them: every time aware and in UTC."""
    names = [column.name for column in cursor.description]
    return [
        {
            name: value.astimezone(UTC) if isinstance(value, datetime) else value
            for name, value in zip(names, row, strict=True)
        }
        for row in cursor.fetchall()
    ]
