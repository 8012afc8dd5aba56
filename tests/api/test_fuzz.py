"""Schemathesis over the whole OpenAPI schema, in-process, on SQLite and PostgreSQL: valid and
invalid requests generated from the schema (bounded and derandomised so it fits CI) must get no
server error, only documented statuses, and every 4xx in the one error shape.

One test per database runs every operation in turn on one database (what earlier operations
stored is there for later ones); a test per operation would spend its time setting up databases."""

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import Engine, create_engine

from omnicrm.access.keys import create_key
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.api.app import create_app
from omnicrm.api.responses import ErrorOut
from omnicrm.store.db import unit_of_work

EXAMPLES_PER_OPERATION = 12

# The app reads ``state.engine`` per request: the test points it at its database.
app = create_app(create_engine("sqlite://"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def assert_error_shape(body: object) -> None:
    """Exactly the one error shape: nothing missing, nothing more, strings where strings go."""
    assert ErrorOut.model_validate(body).model_dump() == body


def fuzz(operation: schemathesis.APIOperation, secret: str) -> None:
    """Valid and invalid cases of ``operation``, each sent with a key of every scope."""
    cases = st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode])

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            headers={"X-API-Key": secret}, checks=[not_a_server_error, status_code_conformance]
        )
        if 400 <= response.status_code < 500:
            assert_error_shape(response.json())

    check()


def test_schema_covers_the_api() -> None:
    labels = {operation.label for operation in OPERATIONS}
    assert "POST /api/v1/till/confirm" in labels
    assert "GET /api/v1/customers/{customer_id}/merges" in labels
    assert len(labels) > 60


def test_api_fuzz(engine: Engine, tmp_path: Path) -> None:
    app.state.engine = engine
    app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")
    with unit_of_work(engine) as session:
        secret = create_key(session, "fuzz", ["*"])
    for operation in OPERATIONS:
        fuzz(operation, secret)
