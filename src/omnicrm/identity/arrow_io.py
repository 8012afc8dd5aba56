"""Moving millions of rows between the operational store and Arrow without a Python object per
value where the driver allows it: PostgreSQL streams ``COPY`` both ways; SQLite goes through the
DB-API in large batches (it is in-process, so that is already its fast path)."""

import io
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

BATCH = 100_000


def read_table(conn: Connection, sql: str, schema: pa.Schema) -> pa.Table:
    """The rows of ``sql`` (a statement without parameters) as an Arrow table of ``schema``."""
    if conn.dialect.name == "postgresql":
        buffer = io.BytesIO()
        driver = conn.connection.driver_connection
        with driver.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:  # type: ignore[union-attr]
            for chunk in copy:
                buffer.write(chunk)
        if buffer.tell() == 0:
            return schema.empty_table()
        buffer.seek(0)
        return pacsv.read_csv(
            buffer,
            read_options=pacsv.ReadOptions(column_names=schema.names),
            convert_options=pacsv.ConvertOptions(
                column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(sql)
    batches = []
    while rows := cursor.fetchmany(BATCH):
        columns = list(zip(*rows, strict=True))
        batches.append(pa.record_batch([pa.array(c) for c in columns], names=schema.names))
    cursor.close()
    if not batches:
        return schema.empty_table()
    return pa.Table.from_batches(batches).cast(schema)


def load_temp(
    conn: Connection, name: str, columns: Sequence[tuple[str, str]], table: pa.Table
) -> None:
    """Create temporary table ``name`` (dropped at commit) filled with ``table``'s rows."""
    ddl = ", ".join(f"{col} {sqltype}" for col, sqltype in columns)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"CREATE TEMP TABLE {name} ({ddl}) ON COMMIT DROP")
        driver = conn.connection.driver_connection
        with driver.cursor() as cur, cur.copy(f"COPY {name} FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in zip(*(table.column(c).to_pylist() for c, _ in columns), strict=True):
                copy.write_row(row)
        conn.exec_driver_sql(f"ANALYZE {name}")
        return
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {name} ({ddl})")
    marks = ", ".join("?" for _ in columns)
    rows = zip(*(table.column(c).to_pylist() for c, _ in columns), strict=True)
    conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
        f"INSERT INTO {name} VALUES ({marks})", rows
    )
