"""The data the prediction tests read, each built once per session: a generated chain imported
into a store (``predict_chain``) and a snapshot with planted taste and behaviour groups
(``recs_world``) that the recommendation, buyers and cluster tests only read."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest
from predict_chain import Chain, build_chain

import recs_world
from omnicrm.analytics.snapshot import Snapshot


@pytest.fixture(scope="session")
def chain(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    built = build_chain(tmp_path_factory.mktemp("predict"), sqlite_template)
    yield built
    built.snapshot.close()
    built.engine.dispose()


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
