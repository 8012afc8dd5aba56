"""The till refuses a campaign's offer code to a customer the campaign holds out as control (its
own control group or the global one), and takes it from a treated customer, while the
campaign's measurement window is open."""

from pathlib import Path

from fastapi.testclient import TestClient
from promo_helpers import NOW, receipt
from sqlalchemy import Engine, select, update

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns.control import in_control
from omnicrm.store.schema import Customer
from omnicrm.store.schema.loyalty import LoyaltyAccount
from support import api_client

BASKET = [("LEGO", "toys", 1, 500_000)]
OFFER = {
    "code": "CPN",
    "name": "500 off with the autumn letter's code",
    "trigger": "coupon",
    "effects": [{"type": "amount_off", "amount_minor": 50_000}],
}


def _coupon(client: TestClient, account: int) -> dict:
    body = receipt("Q", account, BASKET, coupons=["autumn-10"])
    answer = client.post("/api/v1/till/calculate", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["coupons"][0]


def test_a_control_customer_cannot_use_the_campaigns_offer_at_the_till(
    client: TestClient, enrol, publish, shop: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    publish(OFFER)
    made = client.post("/api/v1/promotions/CPN/coupons", json={"code": "AUTUMN10"})
    assert made.status_code == 201, made.text
    accounts = [enrol() for _ in range(30)]
    with shop.begin() as conn:
        conn.execute(update(Customer).values(city="Тула"))
        customer_of = dict(
            conn.execute(select(LoyaltyAccount.id, LoyaltyAccount.customer_id)).all()
        )
    marketer = api_client(shop)
    marketer.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
    marketer.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    audience = {"type": "attribute", "field": "city", "values": ["Тула"]}
    marketer.post("/api/v1/audiences", json={"code": "tula", "name": "T", "rules": audience})
    campaign = {"code": "autumn", "name": "Autumn", "audience": "tula", "channel": "sms",
                "control_bp": 3000, "offer_code": "autumn-10",
                "variants": [{"name": "A", "text": "-500 with {{ offer_code }}"}]}  # fmt: skip
    assert marketer.post("/api/v1/campaigns", json=campaign).status_code == 201
    assert marketer.post("/api/v1/campaigns/autumn/launch").status_code == 200

    def held(account: int) -> bool:
        customer = customer_of[account]
        return in_control(customer, "autumn", 3000) or in_control(customer, "global", 500)

    control = [a for a in accounts if held(a)]
    treated = [a for a in accounts if not held(a)]
    assert control
    assert treated
    refused = _coupon(client, control[0])
    assert (refused["valid"], "control group" in refused["reason"]) == (False, True)
    taken = _coupon(client, treated[0])
    assert (taken["valid"], taken["reason"]) == (True, "valid")
