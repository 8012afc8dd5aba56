"""Fixtures for the loyalty tests: the example program loaded, an API client with a till key,
members enrolled at the till."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from loyalty_helpers import make_app
from sqlalchemy import Engine

from omnicrm.access.keys import create_key
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.store.db import unit_of_work


@pytest.fixture
def program_engine(engine: Engine) -> Engine:
    with unit_of_work(engine) as session:
        save_program(session, read_program_file(EXAMPLES / "retail.json"))
    return engine


@pytest.fixture
def sms_outbox() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def client(program_engine: Engine, sms_outbox: list) -> TestClient:
    app = make_app(program_engine)
    app.state.sms_sender = lambda phone, code: sms_outbox.append((phone, code))
    with unit_of_work(program_engine) as session:
        secret = create_key(session, "till-1", ["till:*", "loyalty:*", "partner:cafe"])
    return TestClient(app, headers={"X-API-Key": secret})


@pytest.fixture
def enrol(client: TestClient) -> Callable[..., dict]:
    counter = iter(range(1000))

    def _enrol(phone: str | None = None, **extra) -> dict:
        n = next(counter)
        body = {
            "channel": "till",
            "phone": phone or f"+7916{n:07d}",
            "consents": {"sms": True},
            **extra,
        }
        response = client.post("/api/v1/loyalty/enrol", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return _enrol
