"""The analytics snapshot for jobs that need it only sometimes (a win-back trigger, a campaign
whose start has come): refreshed and opened the first time it is asked for, closed after. A
long-running worker so holds the DuckDB file only while it launches something."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
from sqlalchemy import Engine

from omnicrm.analytics.snapshot import Snapshot


@contextmanager
def on_demand(
    engine: Engine, snapshot: Snapshot | Callable[[], Snapshot]
) -> Iterator[Callable[[], duckdb.DuckDBPyConnection]]:
    """A callable giving one refreshed cursor, made on first use. ``snapshot`` is the open
    snapshot (kept open) or a way to open one (closed on exit)."""
    opened: list[duckdb.DuckDBPyConnection] = []
    owned: list[Snapshot] = []

    def cursor() -> duckdb.DuckDBPyConnection:
        if not opened:
            if isinstance(snapshot, Snapshot):
                snap = snapshot
            else:
                snap = snapshot()
                owned.append(snap)
            snap.refresh(engine)
            opened.append(snap.cursor())
        return opened[0]

    try:
        yield cursor
    finally:
        for db in opened:
            db.close()
        for snap in owned:
            snap.close()
