"""A tiny store for page tests: a few customers with contacts and consents, a suggested merge, a
merge that can be undone, and one signed-up staff user per role; plus a signed-in test client."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omnicrm.api.app import create_app
from omnicrm.identity.merge import merge_profiles
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Consent, Customer, Event, Identifier, ReviewItem
from omnicrm.store.schema.staff import StaffUser
from omnicrm.web.passwords import hash_password
from omnicrm.web.roles import Role

T0 = datetime(2025, 3, 1, 10, tzinfo=UTC)
PASSWORD = "test-password-1"
PHONE, EMAIL = "+79162206393", "anna.ivanova@mail.ru"


@cache
def _password_hash() -> str:
    """Hashed once per run: scrypt is slow on purpose."""
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class Store:
    engine: Engine
    anna: int
    anna_twin: int
    petr: int
    review_id: int
    merge_id: int


def _customer(session, first: str, last: str, key: str, **idents: str) -> int:  # type: ignore[no-untyped-def]
    customer = Customer(
        source="members", source_key=key, created_at=T0, enrolled_at=T0, first_name=first,
        last_name=last, city="Москва", birth_date=datetime(1990, 5, 17).date(),
    )  # fmt: skip
    session.add(customer)
    session.flush()
    for kind, value in idents.items():
        session.add(Identifier(kind=kind, value=value, customer_id=customer.id, first_seen_at=T0))
    session.add(
        Event(
            source="web", source_key=f"ev-{key}", kind="page_view", channel="web",
            occurred_at=T0, customer_id=customer.id, attrs={"url": "/catalog"},
        )
    )  # fmt: skip
    return customer.id


def build_store(engine: Engine) -> Store:
    with unit_of_work(engine) as s:
        anna = _customer(s, "Анна", "Иванова", "m1", phone=PHONE, email=EMAIL, card="2000000000017")
        twin = _customer(s, "Анна", "Иванова", "m2", email="a.ivanova@yandex.ru")
        petr = _customer(s, "Пётр", "Петров", "m3", phone="+79031234567")
        petr_card = _customer(s, "Пётр", "Петров", "m4", card="2000000000024")
        s.add(Consent(customer_id=anna, channel="sms", granted=True, recorded_at=T0, source="m"))
        item = ReviewItem(
            left_id=anna, right_id=twin, score=0.87, status="pending", created_at=T0,
            evidence={"score": 0.87, "compared": {"first_name": True, "birth_date": True}},
        )  # fmt: skip
        s.add(item)
        merge = merge_profiles(
            s, petr, petr_card, method="deterministic",
            evidence={"rule": "duplicate_card", "identifiers": ["phone:+79031234567"]},
        )  # fmt: skip
        s.add_all(
            StaffUser(
                username=role.value, full_name=f"Test {role.value}", role=role.value,
                password_hash=_password_hash(), active=True, failed_logins=0, created_at=T0,
            )
            for role in Role
        )  # fmt: skip
        s.flush()
        return Store(engine, anna, twin, petr, item.id, merge.id)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def client_for(engine: Engine, warmup: bool = False) -> TestClient:
    """A browser of the app; analytics are computed on request unless ``warmup`` (the server
    then computes the default pages in the background after each snapshot refresh)."""
    app = create_app(engine)
    app.state.analytics_warmup = warmup
    return TestClient(app, follow_redirects=False)


def signed_in(
    engine: Engine, username: str, password: str = PASSWORD, warmup: bool = False
) -> TestClient:
    client = client_for(engine, warmup)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return client


def post(client: TestClient, path: str, data: dict | None = None, *, page: str = "/customers"):  # type: ignore[no-untyped-def]
    """Post a form the way a browser does: with the CSRF token of a page it loaded."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**(data or {}), "csrf_token": token})
