"""Personal offers with a deterministic control group, offers from purchase history, uplift, and
simulating a draft over historical orders."""

from datetime import timedelta

from fastapi.testclient import TestClient
from promo_helpers import NOW, receipt
from sqlalchemy import Engine, select

from omnicrm.promotions.offers import in_control_group
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Order, OrderLine, Product, Store
from omnicrm.store.schema.loyalty import LoyaltyAccount

BASKET = [("LEGO", "toys", 1, 500_000)]
PERSONAL = {
    "code": "YOURS",
    "name": "a personal discount you earned",
    "trigger": "personal_offer",
    "effects": [{"type": "percent_off", "percent": "15"}],
}


def _customer(engine: Engine, account: int) -> int:
    with unit_of_work(engine) as session:
        return session.get(LoyaltyAccount, account).customer_id


def test_control_group_is_deterministic_and_near_its_share() -> None:
    picks = [in_control_group(c, 7) for c in range(10_000)]
    assert picks == [in_control_group(c, 7) for c in range(10_000)]
    assert 800 < sum(picks) < 1200
    assert [in_control_group(c, 8) for c in range(100)] != picks[:100]


def test_personal_offer_applies_to_the_offered_not_to_the_control(
    client: TestClient,
    enrol,
    publish,
    shop: Engine,  # type: ignore[no-untyped-def]
) -> None:
    publish(PERSONAL)
    accounts = [enrol() for _ in range(12)]
    customers = {_customer(shop, a): a for a in accounts}
    made = client.post(
        "/api/v1/promotions/YOURS/offers",
        json={"customer_ids": sorted(customers), "control_share_pct": "50"},
    ).json()
    assert made["offered"] + made["control"] == 12
    assert made["control"] > 0
    with unit_of_work(shop) as session:
        pid = session.scalar(
            select(
                __import__("omnicrm.store.schema.promotions", fromlist=["Promotion"]).Promotion.id
            )
        )
    for customer, account in customers.items():
        quote = client.post("/api/v1/till/calculate", json=receipt("Q", account, BASKET)).json()
        held_out = in_control_group(customer, pid, 5000)
        assert ("YOURS" in {p["promotion"] for p in quote["promotions"]}) is not held_out
        listed = client.get(f"/api/v1/promotions/offers/customers/{customer}").json()
        assert bool(listed) is not held_out
    buyer = next(a for c, a in customers.items() if not in_control_group(c, pid, 5000))
    client.post("/api/v1/till/confirm", json=receipt("R1", buyer, BASKET))
    uplift = client.get("/api/v1/promotions/YOURS/offers/uplift").json()
    assert uplift["offered_buyers"] == 1
    assert uplift["control_buyers"] == 0
    again = client.post(
        "/api/v1/promotions/YOURS/offers", json={"customer_ids": sorted(customers)}
    ).json()
    assert again["skipped"] == 12


def _history(engine: Engine, customers: list[int]) -> None:
    """Orders: customer 0 buys toys recently (favourite), customer 1 bought toys long ago and
    only food lately (lapsed), in two channels and two stores."""
    with unit_of_work(engine) as session:
        session.add(
            Store(code="S2", name="web", city="-", region="-", timezone="UTC", kind="warehouse")
        )
        session.flush()
        stores = dict(session.execute(select(Store.code, Store.id)).all())
        products = dict(session.execute(select(Product.sku, Product.id)).all())
        plan = [
            (customers[0], NOW - timedelta(days=10), "store", "S1", [("LEGO", 1, 500_000)]),
            (customers[0], NOW - timedelta(days=5), "web", "S2", [("CAR", 3, 30_000)]),
            (customers[1], NOW - timedelta(days=200), "store", "S1", [("CAR", 1, 30_000)]),
            (customers[1], NOW - timedelta(days=3), "web", "S2", [("MILK", 5, 10_000)]),
            (None, NOW - timedelta(days=2), "store", "S1", [("MILK", 1, 10_000)]),
        ]
        for n, (customer, at, channel, store, lines) in enumerate(plan):
            total = sum(q * p for _, q, p in lines)
            order = Order(
                source="test",
                source_key=str(n),
                channel=channel,
                store_id=stores[store],
                placed_at=at,
                status="completed",
                customer_id=customer,
                currency="RUB",
                subtotal_minor=total,
                discount_minor=0,
                total_minor=total,
            )
            session.add(order)
            session.flush()
            for i, (sku, qty, price) in enumerate(lines, start=1):
                session.add(
                    OrderLine(
                        order_id=order.id,
                        line_no=i,
                        product_id=products[sku],
                        qty=qty,
                        unit_price_minor=price,
                        discount_minor=0,
                        amount_minor=qty * price,
                    )
                )


def test_offers_from_purchase_history(client: TestClient, enrol, publish, shop: Engine) -> None:  # type: ignore[no-untyped-def]
    publish(PERSONAL)
    customers = [_customer(shop, enrol()) for _ in range(2)]
    _history(shop, customers)
    fav = client.post(
        "/api/v1/promotions/YOURS/offers",
        json={"history": "favourite", "category": "Toys", "control_share_pct": "0"},
    ).json()
    assert fav["offered"] == 1
    assert (
        client.get(f"/api/v1/promotions/offers/customers/{customers[0]}")
        .json()[0]["reason"]
        .startswith("you love Toys")
    )
    lapsed = client.post(
        "/api/v1/promotions/YOURS/offers",
        json={"history": "lapsed", "category": "Toys", "control_share_pct": "0"},
    ).json()
    assert lapsed["offered"] == 1
    assert client.get(f"/api/v1/promotions/offers/customers/{customers[1]}").json()


def test_simulate_a_draft_over_history(client: TestClient, enrol, shop: Engine) -> None:  # type: ignore[no-untyped-def]
    customers = [_customer(shop, enrol()) for _ in range(2)]
    _history(shop, customers)
    draft = {
        "code": "SIM",
        "name": "toys 10%",
        "conditions": [{"type": "items", "select": {"categories": ["Toys"]}}],
        "effects": [
            {
                "type": "percent_off",
                "percent": "10",
                "target": "lines",
                "select": {"categories": ["Toys"]},
            },
            {"type": "bonus_points", "points": 10},
        ],
    }
    assert client.post("/api/v1/promotions", json=draft).status_code == 201
    span = {"start": (NOW - timedelta(days=30)).isoformat(), "end": NOW.isoformat()}
    result = client.post("/api/v1/promotions/SIM/simulate", json=span).json()
    assert result["receipts"] == 4
    assert result["receipts_reached"] == 2
    assert result["customers_reached"] == 1
    assert result["discount_minor"] == 50_000 + 9_000
    assert result["points"] == 20
    assert result["by_channel"]["web"]["discount_minor"] == 9_000
    assert result["by_store"]["S1"]["receipts_reached"] == 1
    wider = client.post(
        "/api/v1/promotions/SIM/simulate",
        json=span | {"start": (NOW - timedelta(days=365)).isoformat()},
    ).json()
    assert wider["receipts_reached"] == 3
