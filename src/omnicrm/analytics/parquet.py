"""The snapshot as Parquet: one file per table, written from one DuckDB transaction (so every
file is of the same refresh), for engines that read files rather than a DuckDB database (Spark,
Trino, ClickHouse) and for object storage.

The directory is written next to its destination and renamed into place: a reader sees the
previous export or the new one, never half of one.
"""

import re
import shutil
from pathlib import Path

from omnicrm.analytics.snapshot import SCHEMA, Snapshot

TABLES = tuple(
    m.group(1) for ddl in SCHEMA if (m := re.match(r"\s*CREATE TABLE IF NOT EXISTS (\w+)", ddl))
)
"""Every table of the snapshot, in ``SCHEMA``'s order."""

VIEWS = tuple(ddl for ddl in SCHEMA if re.match(r"\s*CREATE OR REPLACE VIEW ", ddl))
"""The snapshot's views (``purchases``, ``referrals``), created over the files by each engine."""


def export(snapshot: Snapshot, directory: Path) -> dict[str, int]:
    """Write every table to ``directory/<table>.parquet``; return the rows written per table."""
    directory = directory.resolve()
    staging = directory.with_name(f".{directory.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rows: dict[str, int] = {}
    db = snapshot.cursor()
    try:
        db.execute("BEGIN")
        for table in TABLES:
            target = str(staging / f"{table}.parquet").replace("'", "''")
            db.execute(f"COPY {table} TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
            (rows[table],) = db.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
        db.execute("COMMIT")
    finally:
        db.close()
    old = directory.with_name(f".{directory.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    return rows
