"""Scopes mean what they say (S3): a key holding every read scope changes nothing; the
analytics snapshot refresh needs ``analytics:write``."""

import re

import pytest
from sqlalchemy import Engine

from omnicrm.api.app import create_app
from support import api_client

READ_SCOPES = ("analytics:read", "customers:read", "loyalty:read", "loyalty:report")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PATH_VALUES = {"source": "pos"}
"""Path parameters that must name something real for the route to reach its scope check."""


def _state_changing_routes(engine: Engine) -> list[tuple[str, str]]:
    """Every documented API route with a method that may change state, path filled in."""
    routes = []
    for template, operations in create_app(engine).openapi()["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), template)
        routes += [(m.upper(), path) for m in operations if m.upper() in WRITE_METHODS]
    return routes


def test_every_api_route_that_changes_state_is_listed(engine: Engine) -> None:
    routes = _state_changing_routes(engine)
    assert ("POST", "/api/v1/analytics/refresh") in routes
    assert len(routes) > 30


def test_a_read_only_key_changes_nothing_anywhere(engine: Engine) -> None:
    client = api_client(engine, READ_SCOPES)
    allowed = [
        (method, path)
        for method, path in _state_changing_routes(engine)
        if client.request(method, path, json={}).status_code != 403
    ]
    assert allowed == []


@pytest.mark.parametrize(
    ("scopes", "status"),
    [(("analytics:read",), 403), (("analytics:read", "analytics:write"), 200)],
)
def test_the_snapshot_refresh_needs_the_write_scope(
    engine: Engine, tmp_path, scopes: tuple[str, ...], status: int
) -> None:  # type: ignore[no-untyped-def]
    from omnicrm.analytics.snapshot import Snapshot

    client = api_client(engine, scopes)
    client.app.state.analytics = Snapshot(tmp_path / "snapshot.duckdb")
    answer = client.post("/api/v1/analytics/refresh")
    assert answer.status_code == status, answer.text
    if status == 403:
        assert answer.json()["error"]["code"] == "forbidden"
        assert "analytics:write" in answer.json()["error"]["message"]
