"""Promotions through the API and at the till (calculate, confirm, return) on both backends."""

from fastapi.testclient import TestClient
from promo_helpers import receipt
from sqlalchemy import Engine, select

from omnicrm.store.db import read_session
from omnicrm.store.schema.loyalty import LoyaltyEntry
from omnicrm.store.schema.promotions import PromotionApplication

TOYS_10 = {
    "code": "TOYS10",
    "name": "10% off toys",
    "conditions": [{"type": "items", "select": {"categories": ["Toys"]}}],
    "effects": [
        {
            "type": "percent_off",
            "percent": "10",
            "target": "lines",
            "select": {"categories": ["Toys"]},
        },
        {"type": "message", "text": "Toys week!", "audience": "receipt"},
        {"type": "message", "text": "Offer a gift bag", "audience": "cashier"},
    ],
}
BASKET = [("LEGO", "toys", 1, 500_000), ("MILK", "dairy", 2, 10_000)]


def _reasons(line: dict) -> dict[str, int]:
    return {r["rule"]: r["amount_minor"] for r in line["discounts"]}


def test_validation_on_save_names_the_field(client: TestClient) -> None:
    bad = {
        "code": "BAD",
        "name": "bad",
        "conditions": [
            {"type": "channel", "channels": ["store"]},
            {"type": "items", "select": {"skus": ["NOPE"]}},
            {"type": "items", "min_qty": 0},
        ],
        "effects": [{"type": "gift", "sku": "GHOST"}],
    }
    response = client.post("/api/v1/promotions", json=bad)
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"conditions[2].min_qty"}  # the shape first
    bad["conditions"].pop()
    response = client.post("/api/v1/promotions", json=bad)
    details = {d["field"]: d["message"] for d in response.json()["error"]["details"]}
    assert details == {
        "conditions[1].select.skus[0]": "unknown sku 'NOPE'",
        "effects[0].sku": "unknown sku 'GHOST'",
    }


def test_draft_publish_versions_and_pause(client: TestClient, enrol) -> None:  # type: ignore[no-untyped-def]
    account = enrol()
    assert client.post("/api/v1/promotions", json=TOYS_10).status_code == 201
    quote = client.post("/api/v1/till/calculate", json=receipt("Q", account, BASKET)).json()
    assert quote["promotions"] == []  # a draft does not apply
    assert client.post("/api/v1/promotions/TOYS10/validate").json()["valid"]
    assert client.post("/api/v1/promotions/TOYS10/publish").json()["version"] == 1
    quote = client.post("/api/v1/till/calculate", json=receipt("Q", account, BASKET)).json()
    assert [p["rule"] for p in quote["promotions"]] == ["promo:TOYS10@v1"]
    assert _reasons(quote["lines"][0])["promo:TOYS10@v1"] == 50_000
    assert _reasons(quote["lines"][0])["level:base"] == 22_500  # 5% of what is left
    assert "promo:TOYS10@v1" not in _reasons(quote["lines"][1])
    assert {m["audience"] for m in quote["messages"]} == {"receipt", "cashier"}

    changed = TOYS_10 | {"effects": [{"type": "percent_off", "percent": "20"}]}
    assert client.put("/api/v1/promotions/TOYS10", json=changed).status_code == 200
    assert client.post("/api/v1/promotions/TOYS10/publish").json()["version"] == 2
    assert client.post("/api/v1/promotions/TOYS10/publish").json()["version"] == 2  # unchanged
    assert [v["version"] for v in client.get("/api/v1/promotions/TOYS10/versions").json()] == [1, 2]
    assert client.post("/api/v1/promotions/TOYS10/pause").json()["status"] == "paused"
    quote = client.post("/api/v1/till/calculate", json=receipt("Q", account, BASKET)).json()
    assert quote["promotions"] == []


def test_confirm_stores_what_applied_with_its_version(
    client: TestClient, enrol, publish, shop: Engine
) -> None:  # type: ignore[no-untyped-def]
    account = enrol()
    publish(TOYS_10)
    answer = client.post("/api/v1/till/confirm", json=receipt("R1", account, BASKET))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["promotions"][0]["discount_minor"] == 50_000
    assert body["promotions"][0]["lines"] == [{"line_no": 1, "amount_minor": 50_000}]
    with read_session(shop) as session:
        (row,) = session.scalars(select(PromotionApplication)).all()
    assert (row.operation_id, row.version, row.discount_minor) == (body["operation_id"], 1, 50_000)
    assert row.lines == [{"line_no": 1, "discount_minor": 50_000}]
    again = client.post("/api/v1/till/confirm", json=receipt("R1", account, BASKET))
    assert again.json() == body  # idempotent: nothing applied twice
    with read_session(shop) as session:
        assert len(session.scalars(select(PromotionApplication)).all()) == 1


def test_bonus_points_and_multiplier_enter_the_ledger_under_the_promotion(
    client: TestClient,
    enrol,
    publish,
    shop: Engine,  # type: ignore[no-untyped-def]
) -> None:
    account = enrol()
    publish(
        {
            "code": "PTS",
            "name": "points",
            "effects": [
                {"type": "bonus_points", "points": 300},
                {"type": "points_multiplier", "factor": "3", "select": {"brands": ["Lego"]}},
            ],
        }
    )
    plain = client.post("/api/v1/till/calculate", json=receipt("Q", account, BASKET)).json()
    body = client.post("/api/v1/till/confirm", json=receipt("R1", account, BASKET)).json()
    (promo,) = body["promotions"]
    lego_base = 475_000 * 7 // 100 // 100  # after the 5% level discount, toys earn 7%
    assert promo["points"] == 300 + 2 * lego_base
    assert (
        body["points_earned"]
        == plain["points_earned"]
        == sum(line["points_earned"] for line in body["lines"])
    )
    with read_session(shop) as session:
        entries = dict(
            session.execute(
                select(LoyaltyEntry.rule, LoyaltyEntry.points).where(LoyaltyEntry.kind == "earn")
            ).all()
        )
    assert entries["promo:PTS@v1"] == promo["points"]
    assert sum(entries.values()) == body["points_earned"]
    back = client.post(
        "/api/v1/till/return", json={"terminal": "T1", "return_id": "B1", "receipt_id": "R1"}
    )
    assert back.status_code == 200, back.text
    assert back.json()["points_revoked"] == body["points_earned"]


def test_fixed_price_gift_and_n_plus_one_at_the_till(client: TestClient, enrol, publish) -> None:  # type: ignore[no-untyped-def]
    account = enrol()
    publish(
        {
            "code": "CARS",
            "name": "3 for 2 cars",
            "effects": [{"type": "n_plus_one", "buy": 2, "select": {"skus": ["CAR"]}}],
        }
    )
    publish(
        {
            "code": "GIFT",
            "name": "a balloon with Lego",
            "conditions": [{"type": "items", "select": {"brands": ["Lego"]}}],
            "effects": [{"type": "gift", "sku": "BALLOON"}],
        }
    )
    quote = client.post(
        "/api/v1/till/calculate",
        json=receipt("Q", account, [("CAR", "toys", 3, 30_000), ("LEGO", "toys", 1, 500_000)]),
    ).json()
    by_code = {p["promotion"]: p for p in quote["promotions"]}
    assert by_code["CARS"]["discount_minor"] == 30_000
    assert by_code["GIFT"]["gifts"] == [{"sku": "BALLOON", "qty": 1}]
    assert any("BALLOON" in m["text"] and m["audience"] == "cashier" for m in quote["messages"])


def test_explain_says_why_not(client: TestClient, enrol, publish) -> None:  # type: ignore[no-untyped-def]
    account = enrol()
    publish(TOYS_10)
    publish(
        {
            "code": "BIG",
            "name": "big baskets",
            "conditions": [{"type": "cart_total", "min_minor": 1_000_000}],
            "effects": [{"type": "amount_off", "amount_minor": 10_000}],
        }
    )
    body = client.post(
        "/api/v1/promotions/explain", json=receipt("Q", account, [("MILK", "dairy", 1, 10_000)])
    ).json()
    why = {e["promotion"]: e for e in body["explanations"]}
    assert why["BIG"]["reason"] == "conditions[0] (cart_total): cart total 10000 is below 1000000"
    assert why["TOYS10"]["reason"].startswith(
        "conditions[0] (items): 0 of 1 units of category Toys"
    )
    assert not why["BIG"]["applied"]


def test_first_purchase_birthday_segment_and_store_conditions(
    client: TestClient,
    enrol,
    publish,
    shop: Engine,  # type: ignore[no-untyped-def]
) -> None:
    from datetime import date

    from omnicrm.store.db import unit_of_work
    from omnicrm.store.schema.customers import Customer
    from omnicrm.store.schema.loyalty import LoyaltyAccount

    account = enrol()
    with unit_of_work(shop) as session:
        customer_id = session.get(LoyaltyAccount, account).customer_id
        session.get(Customer, customer_id).birth_date = date(1990, 6, 5)
    publish(
        {
            "code": "WELCOME",
            "name": "first purchase",
            "conditions": [{"type": "first_purchase"}, {"type": "store", "stores": ["S1"]}],
            "effects": [{"type": "amount_off", "amount_minor": 1_000}],
        }
    )
    publish(
        {
            "code": "BDAY",
            "name": "birthday",
            "conditions": [{"type": "birthday", "days_before": 3, "days_after": 3}],
            "effects": [{"type": "bonus_points", "points": 100}],
        }
    )
    publish(
        {
            "code": "VIP",
            "name": "vip",
            "conditions": [{"type": "customer_segment", "segments": ["vip"]}],
            "effects": [{"type": "percent_off", "percent": "1"}],
        }
    )
    assert client.put(
        "/api/v1/promotions/audiences/vip", json={"customer_ids": [customer_id]}
    ).json() == {"segment": "vip", "members": 1}
    first = client.post("/api/v1/till/confirm", json=receipt("R1", account, BASKET)).json()
    assert {p["promotion"] for p in first["promotions"]} == {"WELCOME", "BDAY", "VIP"}
    second = client.post("/api/v1/till/calculate", json=receipt("R2", account, BASKET)).json()
    assert {p["promotion"] for p in second["promotions"]} == {"BDAY", "VIP"}
    elsewhere = client.post(
        "/api/v1/till/calculate", json=receipt("R3", account, BASKET, store="S9")
    ).json()
    assert "WELCOME" not in {p["promotion"] for p in elsewhere["promotions"]}


def test_the_api_needs_the_promotions_scope(shop: Engine) -> None:
    from omnicrm.access.keys import create_key
    from omnicrm.api.app import create_app
    from omnicrm.store.db import unit_of_work

    app = create_app(shop)
    for name, scopes, status in (("till", ["till:*"], 403), ("mkt", ["promotions:manage"], 200)):
        with unit_of_work(shop) as session:
            secret = create_key(session, name, scopes)
        response = TestClient(app, headers={"X-API-Key": secret}).get("/api/v1/promotions")
        assert response.status_code == status
