"""Fixtures for the promotion tests through the API: the example loyalty program, a small
catalogue (categories, brands, products, a store), a client whose key may run the till and
manage promotions, members enrolled at the till, and a fixed clock."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from promo_helpers import NOW
from sqlalchemy import Engine

from omnicrm.access.keys import create_key
from omnicrm.api.app import create_app
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.promotions import repository
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Brand, Category, Product, Store

PRODUCTS = [  # sku, category path, brand, price
    ("MILK", "Food/Dairy", "Farm", 10_000),
    ("LEGO", "Toys/Lego", "Lego", 500_000),
    ("CAR", "Toys/Cars", "Hot", 30_000),
    ("BALLOON", "Toys/Party", None, 5_000),
]


@pytest.fixture
def shop(engine: Engine) -> Engine:
    with unit_of_work(engine) as session:
        save_program(session, read_program_file(EXAMPLES / "retail.json"))
        session.add(
            Store(
                code="S1",
                name="Kazan 1",
                city="Kazan",
                region="Tatarstan",
                timezone="Europe/Moscow",
                kind="store",
            )
        )
        paths: dict[str, Category] = {}
        brands: dict[str, Brand] = {}
        for sku, path, brand, price in PRODUCTS:
            parent = None
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                key = "/".join(parts[:depth])
                if key not in paths:
                    paths[key] = Category(
                        name=parts[depth - 1], path=key, parent_id=parent.id if parent else None
                    )
                    session.add(paths[key])
                    session.flush()
                parent = paths[key]
            if brand and brand not in brands:
                brands[brand] = Brand(name=brand)
                session.add(brands[brand])
                session.flush()
            session.add(
                Product(
                    sku=sku,
                    name=sku,
                    category_id=parent.id,  # type: ignore[union-attr]
                    brand_id=brands[brand].id if brand else None,
                    price_minor=price,
                    currency="RUB",
                )
            )
    repository.forget_active(engine)
    return engine


@pytest.fixture
def client(shop: Engine) -> TestClient:
    app = create_app(shop)
    app.state.clock = lambda: NOW
    with unit_of_work(shop) as session:
        secret = create_key(session, "till-and-marketer", ["till:*", "loyalty:*", "promotions:*"])
    return TestClient(app, headers={"X-API-Key": secret})


@pytest.fixture
def enrol(client: TestClient) -> Callable[..., int]:
    counter = iter(range(1000))

    def _enrol(**extra) -> int:  # type: ignore[no-untyped-def]
        body = {
            "channel": "till",
            "phone": f"+7917{next(counter):07d}",
            "consents": {"sms": True},
            **extra,
        }
        response = client.post("/api/v1/loyalty/enrol", json=body)
        assert response.status_code == 200, response.text
        return response.json()["account_id"]

    return _enrol


@pytest.fixture
def publish(client: TestClient) -> Callable[..., dict]:
    def _publish(rules: dict) -> dict:
        created = client.post("/api/v1/promotions", json=rules)
        if created.status_code == 409:
            assert client.put(f"/api/v1/promotions/{rules['code']}", json=rules).status_code == 200
        else:
            assert created.status_code == 201, created.text
        published = client.post(f"/api/v1/promotions/{rules['code']}/publish")
        assert published.status_code == 200, published.text
        return published.json()

    return _publish
