"""Fixtures for ingest tests: the hand-made exports on disk."""

from pathlib import Path

import pytest
from ingest_samples import write_exports
from sqlalchemy import Engine, func, select

from omnicrm.store.db import read_session
from omnicrm.store.schema import (
    Consent,
    Customer,
    Event,
    Fulfilment,
    Identifier,
    ImportBatch,
    ImportError_,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    RecordIdentifier,
    Return,
    ReturnLine,
)

COUNTED = (
    Customer,
    Identifier,
    Consent,
    Order,
    OrderLine,
    Payment,
    Fulfilment,
    OrderStatus,
    Return,
    ReturnLine,
    Event,
    RecordIdentifier,
    ImportBatch,
    ImportError_,
)


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    return write_exports(tmp_path / "exports")


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table that ingest writes: equal counts after a rerun mean nothing changed."""
    with read_session(engine) as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in COUNTED
        }
