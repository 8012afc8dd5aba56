"""Moving millions of rows between the operational store and Arrow without a Python object per
value where the driver allows it: PostgreSQL streams ``COPY`` both ways; SQLite goes through the
DB-API in large batches (it is in-process, so that is already its fast path)."""

import io
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

BATCH = 100_000


def read_table(
    conn: Connection, sql: str, schema: pa.Schema, *, chunks: tuple[str, str] | None = None
) -> pa.Table:
    """The rows of ``sql`` (a statement without parameters) as an Arrow table of ``schema``.

    ``chunks`` = (table, rowid expression) lets SQLite read a large result in slices of
    ``CHUNK`` rowids of ``table``: ``sql`` then holds a ``{chunk}`` placeholder where the range
    predicate (``AND expr >= lo AND expr < hi``) goes; elsewhere it is replaced by nothing."""
    if conn.dialect.name == "postgresql":
        return _copy_out(conn, sql.replace("{chunk}", ""), schema)
    if chunks is None:
        return _fetch(conn, sql.replace("{chunk}", ""), schema)
    table, expr = chunks
    driver = conn.connection.driver_connection
    lo, hi = driver.execute(f"SELECT min(rowid), max(rowid) FROM {table}").fetchone()  # type: ignore[union-attr]
    if lo is None:
        return schema.empty_table()
    parts = []
    for start in range(lo, hi + 1, CHUNK):
        piece = sql.replace("{chunk}", f"AND {expr} >= {start} AND {expr} < {start + CHUNK}")
        parts.append(_concat_read(driver, piece, schema))
    return pa.concat_tables(parts)


CHUNK = 1_000_000
_SEP, _NULL = "\x1f", "\\N"


def _concat_read(driver, sql: str, schema: pa.Schema) -> pa.Table:  # type: ignore[no-untyped-def]
    """One slice as a single delimited string built by SQLite and parsed by Arrow's CSV reader:
    no Python object per row or value."""
    names = [f"c{i}" for i in range(len(schema))]
    line = " || char(31) || ".join(
        f"ifnull(replace(replace({n}, char(10), ' '), char(31), ' '), '{_NULL}')"
        if pa.types.is_string(f.type)
        else f"ifnull({n}, '{_NULL}')"
        for n, f in zip(names, schema, strict=True)
    )
    text = driver.execute(
        f"WITH q({', '.join(names)}) AS ({sql}) SELECT group_concat({line}, char(10)) FROM q"
    ).fetchone()[0]
    if not text:
        return schema.empty_table()
    return pacsv.read_csv(
        io.BytesIO(text.encode()),
        read_options=pacsv.ReadOptions(column_names=schema.names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=_SEP, quote_char=False),
        convert_options=pacsv.ConvertOptions(
            column_types=schema, null_values=[_NULL], strings_can_be_null=True
        ),
    )


def _copy_out(conn: Connection, sql: str, schema: pa.Schema) -> pa.Table:
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


def _fetch(conn: Connection, sql: str, schema: pa.Schema) -> pa.Table:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(sql)
    batches = []
    while rows := cursor.fetchmany(BATCH):
        columns = list(zip(*rows, strict=True))
        arrays = [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)]
        batches.append(pa.record_batch(arrays, schema=schema))
    cursor.close()
    if not batches:
        return schema.empty_table()
    return pa.Table.from_batches(batches, schema=schema)


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
