"""The analyses on Apache Spark, unchanged: a Parquet snapshot (``parquet.export``) read by Spark,
and a cursor that answers the few calls an analysis makes of a DuckDB connection (``execute``
with ``$parameters``, ``fetchone`` / ``fetchall`` / ``description``, ``register`` of an Arrow
table) by running the same SQL on Spark, translated by ``spark_sql``.

A step (``CREATE OR REPLACE TEMP TABLE name AS ...``) becomes a temporary view of its query, read
by the steps after it as DuckDB reads the temporary table; Spark plans the chain as one query per
fetch (and reuses a shuffle a plan repeats), so nothing is materialised that no result needs.
The snapshot's tables are registered once per ``SparkSnapshot``, in a session of its own; its
cursors share that session, so run one analysis at a time on it (the command line does).
Results come back through Arrow, so times are aware UTC datetimes as DuckDB gives them.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlglot import exp

from omnicrm.analytics import parquet
from omnicrm.analytics.snapshot import DATA_END, day_end
from omnicrm.analytics.spark_sql import parse, to_spark


class SparkCursor:
    """What an analysis uses of a DuckDB cursor, on a Spark session."""

    def __init__(self, spark: Any) -> None:
        self._spark = spark
        self._views: list[str] = []
        self._rows: list[tuple] = []
        self.description: list[tuple[str]] | None = None

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> "SparkCursor":
        statement = parse(sql)
        args = dict(params or {}) or None
        self._rows, self.description = [], None
        if isinstance(statement, exp.Create):
            name = statement.this.name
            self._spark.sql(to_spark(statement.expression), args=args).createOrReplaceTempView(name)
            self._views.append(name)
            return self
        table = self._spark.sql(to_spark(statement), args=args).toArrow()
        self.description = [(name,) for name in table.column_names]
        self._rows = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
        return self

    def fetchall(self) -> list[tuple]:
        return self._rows

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def register(self, name: str, table: pa.Table) -> "SparkCursor":
        self._spark.createDataFrame(table).createOrReplaceTempView(name)
        self._views.append(name)
        return self

    def unregister(self, name: str) -> "SparkCursor":
        self._spark.catalog.dropTempView(name)
        return self

    def close(self) -> None:
        """Drop the views this cursor made (its steps), as DuckDB drops a cursor's temp tables."""
        for name in dict.fromkeys(self._views):
            self._spark.catalog.dropTempView(name)
        self._views.clear()


class SparkSnapshot:
    """A Parquet snapshot directory (or any URL Spark reads: ``s3a://bucket/snapshot``)."""

    def __init__(self, spark: Any, location: str) -> None:
        self.location = location.rstrip("/")
        self._spark = spark = spark.newSession()  # views of its own, the context shared
        for table in parquet.TABLES:
            spark.read.parquet(f"{self.location}/{table}.parquet").createOrReplaceTempView(table)
        for view in parquet.VIEWS:
            statement = parse(view)
            spark.sql(to_spark(statement.expression)).createOrReplaceTempView(statement.this.name)

    def cursor(self) -> SparkCursor:
        return SparkCursor(self._spark)

    def close(self) -> None:
        for name in (*parquet.TABLES, *(parse(v).this.name for v in parquet.VIEWS)):
            self._spark.catalog.dropTempView(name)

    def data_end(self) -> datetime | None:
        """As ``Snapshot.data_end``: the end (UTC midnight) of the newest purchase's day."""
        (day,) = self.cursor().execute(DATA_END).fetchone()  # type: ignore[misc]
        return day_end(day)
