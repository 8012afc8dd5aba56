"""The hand-made shop (``analytics_shop``) and snapshots of it.

``snapshot`` builds the shop in the ``engine`` fixture (SQLite and PostgreSQL) and refreshes: for
the tests about reading each store. ``shared`` is one snapshot of one SQLite build, made once per
session, for the (read-only) tests of the analyses themselves: they run on DuckDB whatever the
store, so repeating them per backend would test nothing more and cost a refresh each.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from analytics_shop import SINCE, UNTIL, Shop, build
from sqlalchemy import Engine

from omnicrm.analytics.query import Period
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.store.db import make_engine, unit_of_work


@pytest.fixture
def shop(engine: Engine) -> Shop:
    with unit_of_work(engine) as session:
        return build(session)


@pytest.fixture
def snapshot(engine: Engine, shop: Shop, tmp_path: Path) -> Iterator[Snapshot]:
    snap = Snapshot(tmp_path / "analytics.duckdb")
    snap.refresh(engine)
    yield snap
    snap.close()


@pytest.fixture(scope="session")
def shared_store(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("analytics") / "omnicrm.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with unit_of_work(engine) as session:
        build(session)
    return engine


@pytest.fixture(scope="session")
def shared(shared_store: Engine) -> Iterator[Snapshot]:
    snap = Snapshot(Path(str(shared_store.url.database)).with_suffix(".duckdb"))
    snap.refresh(shared_store)
    yield snap
    snap.close()


@pytest.fixture
def period() -> Period:
    return Period(SINCE, UNTIL)
