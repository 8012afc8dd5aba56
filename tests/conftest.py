"""Fixtures shared by every test: a migrated database on SQLite and, where a server is given by
``OMNICRM_TEST_PG_URL``, on PostgreSQL. Tests that take ``engine`` run on both."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from omnicrm.store.db import make_engine
from omnicrm.store.migrate import upgrade
from omnicrm.wiring import wire
from support import BACKENDS, truncate_all

wire()  # as the app and the command line do at start

PG_URL = os.environ.get("OMNICRM_TEST_PG_URL")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time is slower)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated once, dropped at the end."""
    if not PG_URL:
        pytest.skip("OMNICRM_TEST_PG_URL is not set")
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"omnicrm_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "omnicrm.db"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    truncate_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A migrated SQLite database only, for tests about the embedded default itself."""
    path = tmp_path / "omnicrm.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """The one Spark session of the test run (local[2], UTC, Splink's jar); skipped, saying why,
    where no Java runtime is installed."""
    from omnicrm.core.spark import java_missing, session

    if reason := java_missing():
        pytest.skip(reason)
    spark = session("local[2]")
    spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set("spark.sql.shuffle.partitions", "2")
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def small_chain(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A small synthetic chain (200 customers, every channel), imported and resolved into a
    SQLite file: the data set both engines are compared on."""
    from omnicrm.identity.resolve import resolve_all
    from omnicrm.ingest.bulk import import_directory
    from omnicrm.synth import generate

    work = tmp_path_factory.mktemp("small_chain")
    generate(work / "data", customers=200, seed=7)
    path = work / "omnicrm.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    import_directory(engine, work / "data")
    resolve_all(engine)
    engine.dispose()
    return path
