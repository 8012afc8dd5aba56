"""Schemathesis over the whole OpenAPI schema, in-process, on SQLite and PostgreSQL: valid and
invalid requests generated from the schema (bounded and derandomised so it fits CI) must get no
server error, only documented statuses, and every 4xx in the one error shape."""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import Engine, create_engine

from omnicrm.access.keys import create_key
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.api.app import create_app
from omnicrm.store.db import unit_of_work

EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def fuzz_secret(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        return create_key(session, "fuzz", ["*"])


# One app for the schema; each test points it at its own database (the app reads
# ``state.engine`` per request), so operations x backends are separate tests.
app = create_app(create_engine("sqlite://"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, deterministic=True)


@pytest.fixture(autouse=True)
def _on_test_database(engine: Engine, tmp_path: Path) -> None:
    app.state.engine = engine
    app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")


def assert_error_shape(body: object) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    for detail in error["details"]:
        assert set(detail) == {"field", "message"}, detail


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case: schemathesis.Case, fuzz_secret: str) -> None:
    response = case.call_and_validate(
        headers={"X-API-Key": fuzz_secret}, checks=[not_a_server_error, status_code_conformance]
    )
    if 400 <= response.status_code < 500:
        assert_error_shape(response.json())
