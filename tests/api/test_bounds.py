"""The inputs issue 11 found giving server errors on PostgreSQL now get a 422 naming the field
(or a 413 for a body over the limit), in the one error shape, and change nothing."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select

from omnicrm.api.app import create_app
from omnicrm.api.limits import RequestLimits
from omnicrm.store.schema.loyalty import LoyaltyOperation
from support import BACKENDS, api_client


def fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["code"] == "invalid_request"
    return [d["field"] for d in body["error"]["details"]]


RECEIPT = {
    "terminal": "t1",
    "receipt_id": "r1",
    "identify": {"kind": "phone", "value": "+79990000001"},
    "lines": [{"line_no": 1, "sku": "A", "qty": 1, "price_minor": 100}],
}


@pytest.mark.parametrize("engine", BACKENDS, indirect=True)
def test_out_of_range_integers_name_the_field(engine: Engine) -> None:
    client = api_client(engine)
    assert fields(client.get("/api/v1/customers", params={"offset": 10**19})) == ["query.offset"]
    assert fields(client.get(f"/api/v1/customers/{10**20}/merges")) == ["path.customer_id"]
    line = RECEIPT["lines"][0] | {"price_minor": 10**19}
    confirm = client.post("/api/v1/till/confirm", json=RECEIPT | {"lines": [line]})
    assert fields(confirm) == ["lines.0.price_minor"]
    donation = {"operation_id": "d1", "cause": "zoo", "points": 2 * 10**11}
    assert fields(client.post("/api/v1/loyalty/accounts/1/donations", json=donation)) == ["points"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(LoyaltyOperation)) == 0


@pytest.mark.parametrize("engine", BACKENDS, indirect=True)
def test_control_characters_are_refused_in_path_query_and_body(engine: Engine) -> None:
    client = api_client(engine)
    assert fields(client.get("/api/v1/promotions", params={"status": "\x00"})) == ["query.status"]
    assert fields(client.get("/api/v1/promotions/a%00b")) == ["path"]
    donation = {"operation_id": "op\x00", "cause": "zoo", "points": 5}
    assert fields(client.post("/api/v1/loyalty/accounts/1/donations", json=donation)) == [
        "operation_id"
    ]
    record = {"lines": [{"sku": "ok"}, {"sku": "b\x1bad", "note\x07": "x"}]}
    assert fields(client.post("/api/v1/ingest/pos", json=record)) == [
        "lines.1.sku",
        "lines.1.note\x07",
    ]
    # Tab, line feed and carriage return are text: this reaches the route (no such account).
    donation = {"operation_id": "op\t1\r\n", "cause": "zoo", "points": 5}
    assert client.post("/api/v1/loyalty/accounts/1/donations", json=donation).status_code == 404


@pytest.mark.parametrize("engine", BACKENDS, indirect=True)
def test_a_body_over_the_limit_is_413(engine: Engine) -> None:
    api = api_client(engine)
    client = TestClient(RequestLimits(api.app, max_body_bytes=1000), headers=api.headers)
    big = RECEIPT | {"receipt_id": "x" * 2000}
    response = client.post("/api/v1/till/confirm", json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert client.post("/api/v1/till/confirm", json=RECEIPT).status_code == 404  # no member


def test_every_api_operation_documents_its_errors_in_the_one_shape() -> None:
    spec = TestClient(create_app(create_engine("sqlite://"))).get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"413", "422"} <= set(responses), (method, path)
            if path != "/api/v1/health":
                assert {"401", "403"} <= set(responses), (method, path)
            for status, answer in responses.items():
                if status.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
