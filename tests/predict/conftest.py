"""A snapshot with planted taste and behaviour groups (``recs_world``), built once per session:
the recommendation, buyers and cluster tests only read it."""

from collections.abc import Iterator

import duckdb
import numpy as np
import pytest

import recs_world
from omnicrm.analytics.snapshot import Snapshot


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Snapshot, dict]]:
    snap = Snapshot(tmp_path_factory.mktemp("recs") / "world.duckdb")
    db = snap.cursor()
    truth = recs_world.build(db, 3000, recs_world.AS_OF, seed=3, groups=4)
    db.close()
    yield snap, truth
    snap.close()


@pytest.fixture
def con(world: tuple[Snapshot, dict]) -> Iterator[duckdb.DuckDBPyConnection]:
    cursor = world[0].cursor()
    yield cursor
    cursor.close()


@pytest.fixture
def truth(world: tuple[Snapshot, dict]) -> dict[str, np.ndarray]:
    return world[1]
