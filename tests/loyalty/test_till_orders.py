"""Till receipts in the one order history, through the HTTP API: a confirmed receipt is an order
of the member's customer with its lines and points; a return or cancel at the till updates it; a
POS export of the same receipt imported later is a duplicate; a bulk identity run keeps it on the
customer; analytics and the cross-channel report count it."""

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from loyalty_helpers import T0, receipt
from sqlalchemy import Engine, select

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Category, Order, Product, RecordIdentifier, Store
from support import api_client

TILL = "/api/v1/till"
SALE = [("MILK", "dairy", 2, 10_000), ("NEWSKU", "toys", 1, 50_000)]
"""MILK is in the catalogue, NEWSKU is not."""


@pytest.fixture
def api(program_engine: Engine) -> TestClient:
    with unit_of_work(program_engine) as session:
        session.add(
            Store(
                code="S1",
                name="S1",
                city="Казань",
                region="Татарстан",
                timezone="Europe/Moscow",
                kind="store",
            )
        )
        category = Category(name="Молочное", path="Молочное")
        session.add(category)
        session.flush()
        session.add(
            Product(
                sku="MILK",
                name="Молоко",
                category_id=category.id,
                price_minor=10_000,
                currency="RUB",
            )
        )
    client = api_client(program_engine)
    client.app.state.clock = lambda: T0
    return client


@pytest.fixture
def member(api: TestClient) -> dict:
    body = {"channel": "till", "phone": "+79161112233", "consents": {"sms": True}}
    response = api.post("/api/v1/loyalty/enrol", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def confirm(api: TestClient, body: dict) -> dict:
    response = api.post(f"{TILL}/confirm", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def orders(api: TestClient, customer_id: int) -> list[dict]:
    response = api.get(f"/api/v1/customers/{customer_id}/orders")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_till_receipt_is_an_order_with_its_lines_and_points(
    api: TestClient, member: dict
) -> None:
    account = member["account_id"]
    confirm(api, receipt("R1", account, SALE, store="S1"))
    api.app.state.clock = lambda: T0 + timedelta(days=30)  # R1's points are active now
    body = receipt("R2", account, SALE, spend=10, store="S1")
    answer = confirm(api, body)
    assert answer["points_spent"] == 10

    assert len(orders(api, member["customer_id"])) == 2
    order = orders(api, member["customer_id"])[0]
    assert (order["source"], order["source_key"], order["channel"]) == ("pos", "S1/T1/R2", "store")
    assert (order["store_code"], order["status"]) == ("S1", "completed")
    discounts = [line["discount_minor"] for line in answer["lines"]]
    assert discounts[0] > 0  # the level discount
    assert [
        (
            line["sku"],
            line["product_name"],
            line["qty"],
            line["unit_price_minor"],
            line["discount_minor"],
            line["amount_minor"],
        )
        for line in order["lines"]
    ] == [
        ("MILK", "Молоко", 2, 10_000, discounts[0], 20_000 - discounts[0]),
        ("NEWSKU", "NEWSKU", 1, 50_000, discounts[1], 50_000 - discounts[1]),
    ]
    assert order["payments"] == [
        {"method": "unspecified", "amount_minor": answer["to_pay_minor"]},
        {"method": "points", "amount_minor": 10 * 100},
    ]
    assert order["total_minor"] == answer["to_pay_minor"] + 1000 == 70_000 - sum(discounts)
    assert order["fulfilment"]["kind"] == "in_store"
    assert order["fulfilment"]["store_code"] == "S1"
    assert [(s["status"], s["source"]) for s in order["status_history"]] == [("completed", "till")]

    assert confirm(api, body) == answer  # a replay writes nothing twice
    assert len(orders(api, member["customer_id"])) == 2


def test_a_return_and_a_cancel_at_the_till_update_the_order(api: TestClient, member: dict) -> None:
    confirm(api, receipt("R1", member["account_id"], SALE, store="S1"))
    back = {
        "terminal": "T1",
        "return_id": "RET1",
        "receipt_id": "R1",
        "lines": [{"line_no": 1, "qty": 1}],
    }
    for _ in range(2):  # the retry changes nothing
        response = api.post(f"{TILL}/return", json=back)
        assert response.status_code == 200, response.text
    (order,) = orders(api, member["customer_id"])
    milk = order["lines"][0]
    assert (milk["returned_qty"], order["lines"][1]["returned_qty"]) == (1, 0)
    (doc,) = order["returns"]
    assert (doc["source"], doc["source_key"], doc["store_code"]) == ("pos", "S1/T1/RET1", "S1")
    assert doc["lines"] == [
        {"line_no": 1, "order_line_no": 1, "qty": 1, "amount_minor": milk["amount_minor"] // 2}
    ]
    assert order["status"] == "completed"

    cancel = api.post(f"{TILL}/cancel", json={"terminal": "T1", "receipt_id": "R1"})
    assert cancel.status_code == 200, cancel.text
    (order,) = orders(api, member["customer_id"])
    assert order["status"] == "cancelled"
    assert [(s["status"], s["source"]) for s in order["status_history"]] == [
        ("completed", "till"),
        ("cancelled", "till"),
    ]


def test_a_later_pos_import_of_the_same_receipt_is_a_duplicate(
    api: TestClient, member: dict
) -> None:
    answer = confirm(api, receipt("R1", member["account_id"], SALE[:1], store="S1"))
    (order,) = orders(api, member["customer_id"])
    amount = order["lines"][0]["amount_minor"]
    export = {
        "store_code": "S1",
        "terminal_id": "T1",
        "receipt_no": "R1",
        "op": "sale",
        "ts_local": "2025-03-03 13:00:00",  # T0 in Moscow
        "card_no": member["card_number"],
        "payments": f"card={answer['to_pay_minor']}",
        "lines": [
            {
                "line_no": 1,
                "sku": "MILK",
                "qty": 2,
                "price_minor": 10_000,
                "discount_minor": 20_000 - amount,
                "amount_minor": amount,
            }
        ],
    }
    response = api.post("/api/v1/ingest/pos", json=export)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["id"]) == ("duplicate", order["id"])
    assert len(orders(api, member["customer_id"])) == 1


def test_a_receipt_without_a_store_has_a_key_of_the_till(api: TestClient, member: dict) -> None:
    confirm(api, receipt("R9", member["account_id"], SALE[:1]))
    (order,) = orders(api, member["customer_id"])
    assert (order["source"], order["source_key"], order["store_code"]) == ("till", "T1/R9", None)


def test_a_bulk_identity_run_keeps_the_till_order_on_its_customer(
    api: TestClient, member: dict, program_engine: Engine
) -> None:
    body = receipt("R1", member["account_id"], SALE, store="S1")
    body["identify"] = {"kind": "phone", "value": "8 (916) 111-22-33"}
    confirm(api, body)
    with read_session(program_engine) as session:
        order_id = session.scalar(select(Order.id))
        idents = session.execute(
            select(RecordIdentifier.kind, RecordIdentifier.value).where(
                RecordIdentifier.record_type == "order", RecordIdentifier.record_id == order_id
            )
        ).all()
    assert sorted(idents) == [("card", member["card_number"]), ("phone", "+79161112233")]
    response = api.post("/api/v1/identity/resolve")
    assert response.status_code == 200, response.text
    assert [o["id"] for o in orders(api, member["customer_id"])] == [order_id]
    with read_session(program_engine) as session:
        assert session.scalar(select(Order.customer_id)) == member["customer_id"]


def test_analytics_count_till_receipts(api: TestClient, member: dict, tmp_path: Path) -> None:
    api.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")
    answer = confirm(api, receipt("R1", member["account_id"], SALE, store="S1"))
    assert api.post("/api/v1/analytics/refresh").status_code == 200
    period = {"since": "2025-03-01T00:00:00Z", "until": "2025-04-01T00:00:00Z"}
    response = api.get("/api/v1/analytics/kpi", params=period)
    assert response.status_code == 200, response.text
    kpis = {row["kpi"]: row["value"] for row in response.json()["rows"]}
    assert kpis["receipts"] == 1
    assert (
        kpis["turnover_minor"]
        == answer["to_pay_minor"]
        == answer["total_minor"] - sum(line["discount_minor"] for line in answer["lines"])
    )
    api.app.state.analytics.close()


def test_ordered_in_a_store_delivered_home(api: TestClient, member: dict) -> None:
    delivery = {"type": "courier", "address": "Казань, ул. Баумана, 1", "cost_minor": 30_000}
    answer = confirm(api, receipt("R1", member["account_id"], SALE, store="S1", delivery=delivery))
    confirm(api, receipt("R2", member["account_id"], SALE[:1], store="S1"))
    history = orders(api, member["customer_id"])
    delivered = next(o for o in history if o["source_key"] == "S1/T1/R1")
    assert delivered["fulfilment"] == {
        "kind": "courier",
        "store_code": None,
        "pickup_point": None,
        "address": "Казань, ул. Баумана, 1",
        "cost_minor": 30_000,
    }
    assert delivered["payments"][0]["amount_minor"] == answer["to_pay_minor"] + 30_000
    paths = api.get("/api/v1/journeys/paths").json()
    case = next(c for c in paths["cross_channel"] if c["case"] == "store_home_delivery")
    assert (case["orders"], case["customers"], case["base"]) == (1, 1, 2)

    bad = receipt("R3", member["account_id"], SALE, delivery={"type": "courier"})
    response = api.post(f"{TILL}/confirm", json=bad)
    assert response.status_code == 422
    assert "address" in response.text
    assert len(orders(api, member["customer_id"])) == 2
