"""Helpers tests import by name (``from support import ...``): conftest modules are not importable
reliably, since every test folder may have its own ``conftest``."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from omnicrm.store.schema import Base

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def api_client(engine: Engine, scopes: tuple[str, ...] = ("*",)) -> TestClient:
    """A client of the whole app carrying a fresh API key with ``scopes`` (all by default)."""
    from omnicrm.access.keys import create_key
    from omnicrm.api.app import create_app
    from omnicrm.store.db import unit_of_work

    with unit_of_work(engine) as session:
        secret = create_key(session, f"test-{uuid.uuid4().hex[:8]}", list(scopes))
    return TestClient(create_app(engine), headers={"X-API-Key": secret})


def truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
