"""The account as the member sees it (issue 18, item 5), on both backends: points expiring in
the next 30/60/90 days, visits and purchases counted apart, badges and challenge progress, in
the account API and the history answer the 360 page draws."""

from datetime import timedelta

from fastapi.testclient import TestClient
from loyalty_helpers import T0, receipt
from sqlalchemy import Engine, select

from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Event, Store
from omnicrm.store.schema.loyalty import LoyaltyAccount

LOY = "/api/v1/loyalty"
DAY = timedelta(days=1)


def _view(client: TestClient, acc: int, when) -> dict:  # type: ignore[no-untyped-def]
    client.app.state.clock = lambda: when
    answer = client.get(f"{LOY}/accounts/{acc}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def _sell(client: TestClient, body: dict, when) -> None:  # type: ignore[no-untyped-def]
    client.app.state.clock = lambda: when
    answer = client.post("/api/v1/till/confirm", json=body)
    assert answer.status_code == 200, answer.text


def test_expiring_points_visits_purchases_badges_and_challenges(
    program_engine: Engine, client: TestClient, enrol
) -> None:
    with unit_of_work(program_engine) as s:
        s.add(Store(code="S1", name="One", city="Москва", region="Москва", timezone="Europe/Moscow",
                    kind="store"))  # fmt: skip
    acc = enrol()["account_id"]
    at_s1 = {"store": "S1"}
    _sell(client, receipt("V1", acc, [("A", "dairy", 1, 200_000)], at=T0, **at_s1), T0)
    two = [("B", "toys", 1, 100_000), ("C", "garden", 1, 100_000)]
    _sell(client, receipt("V2", acc, two, at=T0 + DAY, **at_s1), T0 + DAY)
    _sell(client, receipt("V3", acc, [("D", "dairy", 1, 50_000)], at=T0 + DAY, **at_s1), T0 + DAY)
    with unit_of_work(program_engine) as s:
        customer = s.scalar(select(LoyaltyAccount.customer_id).where(LoyaltyAccount.id == acc))
        store = s.scalar(select(Store.id).where(Store.code == "S1"))
        seen = T0 + 3 * DAY
        s.add(Event(source="wifi", source_key="w1", kind="store_visit", channel="store",
                    occurred_at=seen, store_id=store, customer_id=customer, attrs={}))  # fmt: skip

    view = _view(client, acc, T0 + 5 * DAY)
    assert view["activity"] == {"purchases": 3, "visits": 3, "visits_without_purchase": 1}
    assert view["badges"][0]["challenge"] == "explorer"  # three categories in March
    [explorer] = view["challenges"]
    assert (explorer["done"], explorer["goal"], explorer["earned"]) == (3, 3, True)
    assert explorer["period"] == "2025-03"
    assert view["expiring"] == {"within_30_days": 0, "within_60_days": 0, "within_90_days": 0}

    earned = view["balance"]["pending"] + view["balance"]["active"]
    expiry = T0 + timedelta(days=14 + 365)  # the first lot, then the others a day later
    soon = _view(client, acc, expiry - 20 * DAY)
    assert soon["expiring"]["within_30_days"] == earned
    assert soon["expiring"]["within_90_days"] == earned
    first_only = _view(client, acc, expiry - 60 * DAY + DAY // 2)
    assert 0 < first_only["expiring"]["within_60_days"] < earned
    assert first_only["expiring"]["within_30_days"] == 0
    april = _view(client, acc, T0 + 40 * DAY)
    assert april["challenges"][0]["done"] == 0
    assert not april["challenges"][0]["earned"]

    history = client.get(f"{LOY}/accounts/{acc}/history").json()
    assert history["account"]["activity"]["purchases"] == 3
