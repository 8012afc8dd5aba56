"""The API shell: offline docs, one error shape, customer listing."""

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omnicrm.api.app import create_app
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Consent, Customer, Identifier
from support import api_client


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return api_client(engine)


def test_docs_render_from_local_assets_only(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text) + re.findall(
        r"""url: ?["']([^"']+)["']""", page.text
    )
    assert urls, "the docs page references no assets"
    for url in urls:
        assert url.startswith("/"), f"docs load {url} from outside the server"
        assert client.get(url).status_code == 200, url
    spec = client.get("/openapi.json").json()
    assert "/api/v1/customers" in spec["paths"]


def test_errors_have_one_shape(client: TestClient) -> None:
    missing = client.get("/api/v1/customers/999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    invalid = client.get("/api/v1/customers", params={"limit": 0})
    assert invalid.status_code == 422
    body = invalid.json()["error"]
    assert body["code"] == "invalid_request"
    assert body["details"][0]["field"] == "query.limit"
    nowhere = client.get("/api/v1/nowhere")
    assert nowhere.status_code == 404
    assert set(nowhere.json()) == {"error"}


def test_customers_are_listed_and_shown_with_identifiers_and_consents(
    client: TestClient, engine: Engine
) -> None:
    t0, t1 = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
    with unit_of_work(engine) as session:
        anna = Customer(
            source="members", source_key="1", created_at=t0, first_name="Анна", last_name="Иванова"
        )
        boris = Customer(
            source="members", source_key="2", created_at=t0, first_name="Борис", last_name="Петров"
        )
        session.add_all([anna, boris])
        session.flush()
        session.add_all(
            [
                Identifier(
                    kind="phone", value="+79162206393", customer_id=anna.id, first_seen_at=t0
                ),
                Consent(
                    customer_id=anna.id,
                    channel="sms",
                    granted=True,
                    recorded_at=t0,
                    source="members",
                ),
                Consent(
                    customer_id=anna.id, channel="sms", granted=False, recorded_at=t1, source="web"
                ),
            ]
        )
    page = client.get("/api/v1/customers", params={"q": "Ива"}).json()
    assert page["total"] == 1
    assert page["items"][0]["last_name"] == "Иванова"
    detail = client.get(f"/api/v1/customers/{page['items'][0]['id']}").json()
    assert detail["identifiers"] == [{"kind": "phone", "value": "+79162206393"}]
    assert detail["consents"] == [
        {"channel": "sms", "granted": False, "recorded_at": "2025-06-01T00:00:00Z"}
    ]
    assert client.get("/api/v1/customers").json()["total"] == 2


def test_customer_data_needs_a_key_with_the_right_scope(engine: Engine) -> None:
    anonymous = TestClient(create_app(engine))
    assert anonymous.get("/api/v1/customers").json()["error"]["code"] == "unauthorized"
    till_only = api_client(engine, ("till:*",))
    refused = till_only.get("/api/v1/customers")
    assert refused.status_code == 403
    assert "customers:read" in refused.json()["error"]["message"]
    assert api_client(engine, ("customers:read",)).get("/api/v1/customers").status_code == 200
