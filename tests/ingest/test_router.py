"""Streaming over HTTP: authentication and scope, 201 for new, 200 for a repeat (also of a
bulk-imported record), 422 in the one error shape naming every bad field, 404 for an unknown
source; the batch endpoint answers each record."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ingest_samples import APP_EVENTS, WEB_ORDER, table_counts
from sqlalchemy import Engine

from omnicrm.access.keys import create_key
from omnicrm.api.app import create_app
from omnicrm.ingest.bulk import import_directory, import_file
from omnicrm.store.db import unit_of_work


@pytest.fixture
def client(engine: Engine, exports: Path) -> TestClient:
    import_file(engine, exports / "stores.csv")
    import_file(engine, exports / "products.csv")
    return TestClient(create_app(engine))


def key(engine: Engine, *scopes: str) -> dict[str, str]:
    with unit_of_work(engine) as session:
        return {"X-API-Key": create_key(session, "-".join(scopes), list(scopes))}


def test_new_record_is_201_and_a_repeat_is_200(client: TestClient, engine: Engine) -> None:
    headers = key(engine, "ingest:web")
    first = client.post("/api/v1/ingest/web", json=WEB_ORDER, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["status"], body["source"], body["source_key"]) == ("inserted", "web", "W1")
    again = client.post("/api/v1/ingest/web", json=WEB_ORDER, headers=headers)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert again.json()["id"] == body["id"]


def test_streamed_duplicate_of_a_bulk_imported_record(
    client: TestClient, engine: Engine, exports: Path
) -> None:
    import_directory(engine, exports)
    before = table_counts(engine)
    response = client.post(
        "/api/v1/ingest/app_events", json=APP_EVENTS[0], headers=key(engine, "ingest:*")
    )
    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert table_counts(engine) == before


def test_bad_record_is_422_naming_every_field_and_writes_nothing(
    client: TestClient, engine: Engine
) -> None:
    before = table_counts(engine)
    bad = {
        **WEB_ORDER,
        "created_at": "2025-03-01 12:04",
        "items": [{**WEB_ORDER["items"][0], "sku": "NOPE"}],
    }
    response = client.post("/api/v1/ingest/web", json=bad, headers=key(engine, "ingest:web"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_record"
    fields = {d["field"] for d in error["details"]}
    assert fields == {"created_at", "items[0].sku"}
    assert table_counts(engine) == before


def test_auth_scope_and_unknown_source(client: TestClient, engine: Engine) -> None:
    missing = client.post("/api/v1/ingest/web", json=WEB_ORDER)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    wrong = client.post("/api/v1/ingest/web", json=WEB_ORDER, headers={"X-API-Key": "ocrm_nope"})
    assert wrong.status_code == 401
    pos_only = key(engine, "ingest:pos")
    forbidden = client.post("/api/v1/ingest/web", json=WEB_ORDER, headers=pos_only)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"
    unknown = client.post("/api/v1/ingest/fax", json={}, headers=pos_only)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    not_object = client.post("/api/v1/ingest/pos", json=[1, 2], headers=pos_only)
    assert not_object.status_code == 422
    assert "error" in not_object.json()


def test_batch_answers_each_record(client: TestClient, engine: Engine) -> None:
    events = [
        {"event_id": "e1", "ts": 1740819600000, "device_id": "d-1", "type": "app_open"},
        {"event_id": "e2", "ts": 1740819600000, "device_id": "d-1", "type": "levitate"},
        {"event_id": "e1", "ts": 1740819600000, "device_id": "d-1", "type": "app_open"},
    ]
    response = client.post(
        "/api/v1/ingest/app_events/batch", json=events, headers=key(engine, "ingest:app_events")
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["inserted", "rejected", "duplicate"]
    assert results[1]["errors"][0]["field"] == "type"
    assert results[2]["id"] == results[0]["id"]


def test_openapi_schema_describes_the_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/api/v1/ingest/{source}"]["post"]
    assert {"201", "200", "401", "403", "404", "422"} <= set(post["responses"])
    assert "/api/v1/ingest/{source}/batch" in schema["paths"]
