"""A cart started on the web continues at the till (C6): streamed cart events, once identity
resolves them, are the member's cart in the till's identify and calculate answers and at
``/customers/{id}/cart``; a removal takes a unit out, an order in any channel closes the cart, and
a cart left alone past the abandonment timeout is abandoned."""

from datetime import timedelta

from fastapi.testclient import TestClient
from loyalty_helpers import T0, receipt
from sqlalchemy import Engine, select

from omnicrm.identity.merge import merge_profiles
from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Event
from support import api_client

PHONE, EMAIL, COOKIE = "+79161112233", "anna@mail.ru", "c-anna"


def _stream(client: TestClient, source: str, record: dict) -> None:
    response = client.post(f"/api/v1/ingest/{source}", json=record)
    assert response.status_code == 201, response.text


def _web(client: TestClient, event_id: str, kind: str, sku: str, at, email=None) -> None:  # type: ignore[no-untyped-def]
    _stream(
        client,
        "web_events",
        {"event_id": event_id, "ts": at.isoformat(), "cookie": COOKIE, "type": kind, "sku": sku,
         "url": f"/p/{sku}", "email": email},
    )  # fmt: skip


def _app(client: TestClient, event_id: str, kind: str, sku: str, at) -> None:  # type: ignore[no-untyped-def]
    _stream(
        client,
        "app_events",
        {"event_id": event_id, "ts": int(at.timestamp() * 1000), "device_id": "D-anna",
         "type": kind, "sku": sku, "phone": PHONE},
    )  # fmt: skip


def _setup(engine: Engine) -> tuple[TestClient, dict]:
    client = api_client(engine)
    client.app.state.clock = lambda: T0
    for sku, name in (("P1", "Туфли"), ("P2", "Сумка")):
        _stream(
            client,
            "products",
            {"sku": sku, "name": name, "category_path": "Обувь", "price_minor": 500_000},
        )
    member = client.post(
        "/api/v1/loyalty/enrol",
        json={"channel": "till", "phone": PHONE, "email": EMAIL, "consents": {}},
    )
    assert member.status_code == 200, member.text
    return client, member.json()


def _calculate(client: TestClient, account_id: int, receipt_id: str = "R1") -> dict:
    body = receipt(receipt_id, account_id, [("P9", "shoes", 1, 100_000)])
    quote = client.post("/api/v1/till/calculate", json=body)
    assert quote.status_code == 200, quote.text
    return quote.json()


def _lines(cart: dict | None) -> list[tuple[str, int, str]]:
    assert cart is not None
    return [(line["sku"], line["qty"], line["channel"]) for line in cart["lines"]]


def _customer_of(engine: Engine, event_id: str) -> int:
    with read_session(engine) as session:
        return session.scalar(select(Event.customer_id).where(Event.source_key == event_id))


def test_a_cart_started_on_the_web_is_seen_at_the_till(program_engine: Engine) -> None:
    client, member = _setup(program_engine)
    account, customer = member["account_id"], member["customer_id"]
    _web(client, "w1", "add_to_cart", "P2", T0 - timedelta(hours=3))  # not signed in yet
    assert _calculate(client, account)["cart"] is None  # nobody knows whose cart it is yet
    resolve_all(program_engine)
    assert _customer_of(program_engine, "w1") is None  # a cookie alone names nobody
    assert _calculate(client, account)["cart"] is None

    _web(client, "w2", "product_view", "P1", T0 - timedelta(hours=2, minutes=50), EMAIL)
    _app(client, "a1", "add_to_cart", "P1", T0 - timedelta(hours=2))
    resolve_all(program_engine)  # signing in tied the cookie, and its cart, to the member

    cart = _calculate(client, account)["cart"]
    assert _lines(cart) == [("P2", 1, "web"), ("P1", 1, "app")]
    assert (cart["customer_id"], cart["status"], cart["abandoned_at"]) == (customer, "open", None)
    assert cart["started_at"] == (T0 - timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    ident = client.post(
        "/api/v1/till/identify",
        json={"terminal": "T1", "identify": {"kind": "phone", "value": PHONE}},
    ).json()
    assert ident["cart"] == cart
    assert client.get(f"/api/v1/customers/{customer}/cart").json() == cart

    _web(client, "w3", "add_to_cart", "P1", T0 - timedelta(hours=1), EMAIL)
    _web(client, "w4", "remove_from_cart", "P2", T0 - timedelta(minutes=30), EMAIL)
    _app(client, "a2", "remove_from_cart", "P2", T0 - timedelta(minutes=20))  # nothing left
    resolve_all(program_engine)
    cart = _calculate(client, account)["cart"]
    assert _lines(cart) == [("P1", 2, "web")]
    assert cart["last_activity_at"] == (T0 - timedelta(minutes=20)).isoformat().replace(
        "+00:00", "Z"
    )


def test_a_merged_profile_brings_its_cart_along(program_engine: Engine) -> None:
    client, member = _setup(program_engine)
    twin = client.post(
        "/api/v1/loyalty/enrol", json={"channel": "till", "phone": "+79160000001", "consents": {}}
    ).json()
    _web(client, "w1", "add_to_cart", "P1", T0 - timedelta(hours=2), EMAIL)
    _stream(
        client,
        "app_events",
        {"event_id": "a1", "ts": int((T0 - timedelta(hours=1)).timestamp() * 1000),
         "device_id": "D-twin", "type": "add_to_cart", "sku": "P2", "phone": "+79160000001"},
    )  # fmt: skip
    resolve_all(program_engine)
    assert _lines(_calculate(client, twin["account_id"])["cart"]) == [("P2", 1, "app")]
    with unit_of_work(program_engine) as session:
        merge_profiles(
            session, member["customer_id"], twin["customer_id"], method="manual", evidence={}
        )
    cart = _calculate(client, member["account_id"])["cart"]
    assert _lines(cart) == [("P1", 1, "web"), ("P2", 1, "app")]
    assert client.get(f"/api/v1/customers/{twin['customer_id']}/cart").json() == cart
    assert _calculate(client, twin["account_id"])["cart"] == cart  # its account: the survivor's


def test_an_order_in_any_channel_closes_the_cart(program_engine: Engine) -> None:
    client, member = _setup(program_engine)
    account, customer = member["account_id"], member["customer_id"]
    _web(client, "w1", "add_to_cart", "P1", T0 - timedelta(hours=2), EMAIL)
    _stream(client, "web", _order("W1", T0 - timedelta(hours=1)))
    resolve_all(program_engine)
    assert _calculate(client, account)["cart"] is None
    assert client.get(f"/api/v1/customers/{customer}/cart").json() is None

    _app(client, "a1", "add_to_cart", "P2", T0 - timedelta(minutes=10))  # a new cart begins
    resolve_all(program_engine)
    assert _lines(_calculate(client, account)["cart"]) == [("P2", 1, "app")]


def test_a_cart_left_alone_for_a_day_is_abandoned(program_engine: Engine) -> None:
    client, member = _setup(program_engine)
    account, customer = member["account_id"], member["customer_id"]
    last = T0 - timedelta(hours=2)
    _web(client, "w1", "add_to_cart", "P1", last, EMAIL)
    resolve_all(program_engine)
    later = last + timedelta(hours=26)
    client.app.state.clock = lambda: later
    cart = client.get(f"/api/v1/customers/{customer}/cart").json()
    assert cart["status"] == "abandoned"
    assert cart["abandoned_at"] == (last + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert _lines(cart) == [("P1", 1, "web")]
    assert _calculate(client, account)["cart"] is None  # the till shows open carts only


def _order(order_id: str, at) -> dict:  # type: ignore[no-untyped-def]
    return {
        "order_id": order_id,
        "created_at": at.isoformat(),
        "customer": {"email": EMAIL, "phone": None, "name": "Анна", "cookie": COOKIE,
                     "device_id": None, "card_no": None},
        "utm": None,
        "items": [{"line_no": 1, "sku": "P1", "qty": 1, "price": "5000.00", "discount": "0.00"}],
        "payments": [{"method": "card", "amount": "5000.00"}],
        "delivery": {"type": "courier", "store_code": None, "pickup_point": None,
                     "address": "Москва, ул. Ленина, д. 5", "cost": "0.00"},
        "status_history": [{"status": "created", "at": at.isoformat()}],
    }  # fmt: skip
