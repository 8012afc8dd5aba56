"""The database edge of the bulk writer, one class per backend, below the ORM for speed.

SQLite: rows go through the raw DB-API cursor's ``executemany`` inside the BEGIN IMMEDIATE
transaction SQLAlchemy opened, and ids are reserved as ``max(id)+1..`` under that write lock.
PostgreSQL: rows go through ``COPY ... FROM STDIN`` and ids come from the table's sequence
(``nextval`` over ``generate_series``), which is safe with concurrent writers.

Values arrive as Python objects (aware datetimes, dates, bools, dicts), or as whole columns
(``insert_columns``: Arrow or NumPy arrays, times as UTC timestamps); each sink stores them the
way the ORM's column types would, so the models read bulk-written rows back unchanged.
"""

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import JSON, Boolean, Connection, Date

from omnicrm.store.schema import Base, UtcDateTime

SQLITE_MAX_PARAMS = 30000
COPY_FROM_ROWS = 50
Row = tuple[Any, ...]
Column = pa.Array | np.ndarray
SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # with microseconds, as ``_utc_text`` writes


def _utc_text(value: datetime | None) -> str | None:
    """What ``UtcDateTime`` stores on SQLite: naive UTC text with microseconds."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _bool_int(value: bool | None) -> int | None:
    return None if value is None else int(value)


class Sink:
    """Bulk reads and writes on one connection inside its open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dbapi = conn.connection.driver_connection
        self.cursor = self.dbapi.cursor()  # type: ignore[union-attr]

    def stored_time(self, value: datetime) -> Any:
        """``value`` as this backend hands a timestamp back (for comparing with stored rows)."""
        return value

    def select_in(self, sql: str, values: Sequence[Any], *params: Any) -> list[Row]:
        """Run ``sql`` (``?`` parameters; ``IN ({in})`` takes ``values``) and fetch all rows."""
        return self._run_in(sql, values, params, fetch=True)

    def execute_in(self, sql: str, values: Sequence[Any], *params: Any) -> None:
        """Run a statement without results, as ``select_in``."""
        self._run_in(sql, values, params, fetch=False)

    def _run_in(self, sql: str, values: Sequence[Any], params: tuple, *, fetch: bool) -> list[Row]:
        raise NotImplementedError

    def reserve_ids(self, table: str, count: int) -> Sequence[int]:
        raise NotImplementedError

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def insert_columns(self, table: str, columns: Mapping[str, Column]) -> None:
        """Insert rows given column-wise (all columns of equal length)."""
        raise NotImplementedError

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Row], key: str) -> int:
        """Insert the rows whose unique ``key`` is not stored yet (nor repeated earlier in
        ``rows``); how many were inserted. Safe against a concurrent writer of the same keys."""
        raise NotImplementedError


class SqliteSink(Sink):
    def stored_time(self, value: datetime) -> Any:
        return _utc_text(value)

    def _run_in(self, sql: str, values: Sequence[Any], params: tuple, *, fetch: bool) -> list[Row]:
        rows: list[Row] = []
        step = SQLITE_MAX_PARAMS - len(params)
        for start in range(0, len(values), step):
            chunk = list(values[start : start + step])
            self.cursor.execute(sql.format(**{"in": ",".join("?" * len(chunk))}), (*params, *chunk))
            if fetch:
                rows.extend(self.cursor.fetchall())
        return rows

    def reserve_ids(self, table: str, count: int) -> Sequence[int]:
        self.cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        start = self.cursor.fetchone()[0] + 1
        return range(start, start + count)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        converters = _converters(table, tuple(columns), "sqlite")
        if converters:
            rows = [_convert(row, converters) for row in rows]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        self.cursor.executemany(sql, rows)

    def insert_columns(self, table: str, columns: Mapping[str, Column]) -> None:
        values = [_sqlite_values(column) for column in columns.values()]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        self.cursor.executemany(sql, zip(*values, strict=True))

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Row], key: str) -> int:
        if not rows:
            return 0
        converters = _converters(table, tuple(columns), "sqlite")
        if converters:
            rows = [_convert(row, converters) for row in rows]
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
        self.cursor.executemany(sql + f"ON CONFLICT ({key}) DO NOTHING", rows)
        return self.cursor.rowcount  # executemany sums the rows each statement inserted


class PostgresSink(Sink):
    def _run_in(self, sql: str, values: Sequence[Any], params: tuple, *, fetch: bool) -> list[Row]:
        if not values:
            return []
        sql = sql.replace("?", "%s").replace("IN ({in})", "= ANY(%s)")
        self.cursor.execute(sql, (*params, list(values)))
        return self.cursor.fetchall() if fetch else []

    def reserve_ids(self, table: str, count: int) -> Sequence[int]:
        if count == 0:
            return []
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, count),
        )
        return [row[0] for row in self.cursor.fetchall()]

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        converters = _converters(table, tuple(columns), "postgresql")
        if converters:
            rows = [_convert(row, converters) for row in rows]
        names = ", ".join(columns)
        if len(rows) < COPY_FROM_ROWS:  # a streamed record: COPY's set-up costs more than it saves
            marks = ", ".join(["%s"] * len(columns))
            self.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            return
        with self.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def insert_columns(self, table: str, columns: Mapping[str, Column]) -> None:
        """One COPY of the columns written as CSV by Arrow (nulls unquoted, text quoted)."""
        buffer = io.BytesIO()
        pacsv.write_csv(pa.table(dict(columns)), buffer, pacsv.WriteOptions(include_header=False))
        names = ", ".join(columns)
        with self.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getbuffer())

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Row], key: str) -> int:
        """COPY into a transaction's scratch table, then one INSERT ... ON CONFLICT DO NOTHING."""
        if not rows:
            return 0
        names, scratch = ", ".join(columns), f"new_{table}"
        self.cursor.execute(
            f"CREATE TEMP TABLE {scratch} ON COMMIT DROP AS SELECT {names} FROM {table} "
            "WITH NO DATA"
        )
        converters = _converters(table, tuple(columns), "postgresql")
        with self.cursor.copy(f"COPY {scratch} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_convert(row, converters) if converters else row)
        self.cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {scratch} "
            f"ON CONFLICT ({key}) DO NOTHING"
        )
        inserted = self.cursor.rowcount
        self.cursor.execute(f"DROP TABLE {scratch}")
        return inserted


def open_sink(conn: Connection) -> Sink:
    return SqliteSink(conn) if conn.dialect.name == "sqlite" else PostgresSink(conn)


Converter = Callable[[Any], Any]


@cache
def _converters(
    table: str, columns: tuple[str, ...], dialect: str
) -> tuple[tuple[int, Converter], ...]:
    """Per column position, how a Python value is stored on ``dialect`` (only where it differs)."""
    found = []
    for i, name in enumerate(columns):
        kind = Base.metadata.tables[table].columns[name].type
        if isinstance(kind, JSON):
            found.append((i, _json_text))
        elif dialect == "sqlite" and isinstance(kind, UtcDateTime):
            found.append((i, _utc_text))
        elif dialect == "sqlite" and isinstance(kind, Date):
            found.append((i, _date_text))
        elif dialect == "sqlite" and isinstance(kind, Boolean):
            found.append((i, _bool_int))
    return tuple(found)


def _sqlite_values(column: Column) -> list[Any]:
    if isinstance(column, np.ndarray):
        return column.tolist()
    if pa.types.is_timestamp(column.type):
        column = pc.strftime(column.cast(pa.timestamp("us", "UTC")), SQLITE_TIME_FORMAT)
    return column.to_pylist()


def _convert(row: Row, converters: Iterable[tuple[int, Converter]]) -> Row:
    values = list(row)
    for i, fn in converters:
        values[i] = fn(values[i])
    return tuple(values)
