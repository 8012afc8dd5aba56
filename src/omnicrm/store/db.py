"""Engines and transactions. SQLite gets WAL, a busy timeout and explicit BEGIN IMMEDIATE for
writers (so two writers queue instead of failing half-way); PostgreSQL is used as it comes."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from omnicrm.core.settings import get_settings

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-200000",
    "PRAGMA temp_store=MEMORY",
)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping: it costs a round trip on every checkout; a connection the server closed
        # fails its request once and is replaced.
        return create_engine(url, pool_size=10, max_overflow=20)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, see below
        cursor = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get("readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    return make_engine(url or get_settings().database_url)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading: never takes SQLite's write lock. It ends with COMMIT (a read
    changes nothing either way): a ROLLBACK would make psycopg drop its prepared statements,
    and PostgreSQL parse and plan every statement again."""
    with engine.connect().execution_options(readonly=True) as conn:
        conn.begin()  # the session joins this transaction and leaves its end to us
        with Session(bind=conn) as session:
            yield session
        conn.commit()


@contextmanager
def quick_read(engine: Engine) -> Iterator[Connection]:
    """A connection for reads that need no common snapshot (each statement sees the latest
    commits, e.g. a till quote, which a confirm re-reads under its lock): on PostgreSQL in
    autocommit, so no BEGIN or COMMIT round trip; on SQLite a read transaction ended by COMMIT."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
        return
    with engine.connect().execution_options(readonly=True) as conn:
        yield conn
        conn.commit()


def release_cache(conn: Connection) -> None:
    """Free SQLite's page cache on this connection (up to ``cache_size``, 200 MB): a pass
    over a large table, such as a campaign launch, would otherwise keep it full for nothing.
    PostgreSQL keeps no cache in the client."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA shrink_memory")
