"""Streamed records are resolved on arrival, through the HTTP API: the answer names the profile;
a MAC seen near one customer's receipts on two days joins her journey and the funnel, a MAC seen
once or never near a receipt stays anonymous."""

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from omnicrm.analytics.funnel import funnel
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.ingest.bulk import import_file
from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer
from support import api_client

ANNA_CARD, PETR_PHONE = "2000000123456", "+79161112233"
MAC_NEAR, MAC_ONCE, MAC_FAR = "a1" * 32, "b2" * 32, "c3" * 32


def _client(engine: Engine, exports: Path) -> tuple[TestClient, dict[str, int]]:
    for name in ("stores.csv", "products.csv", "loyalty_members.csv"):
        import_file(engine, exports / name)
    with read_session(engine) as s:
        members = {key: cid for cid, key in s.execute(select(Customer.id, Customer.source_key))}
    return api_client(engine), members


def _web_order(order_id: str, phone: str | None, email: str | None = None) -> dict:
    return {
        "order_id": order_id,
        "created_at": "2025-03-01T12:04:11+03:00",
        "customer": {"email": email, "phone": phone, "name": None, "cookie": None,
                     "device_id": None, "card_no": None},
        "utm": None,
        "items": [{"line_no": 1, "sku": "SKU2", "qty": 1, "price": "399.00", "discount": "0.00"}],
        "payments": [{"method": "card", "amount": "399.00"}],
        "delivery": {"type": "courier", "store_code": None, "pickup_point": None,
                     "address": "Москва", "cost": "0.00"},
        "status_history": [{"status": "created", "at": "2025-03-01T12:04:11+03:00"}],
    }  # fmt: skip


def _receipt(number: str, day: int) -> dict:
    return {
        "store_code": "S001", "terminal_id": "1", "receipt_no": number, "op": "sale",
        "ts_local": f"2025-03-{day:02d} 12:10:00", "card_no": ANNA_CARD, "payments": "card=39900",
        "lines": [{"line_no": 1, "sku": "SKU2", "qty": 1, "price_minor": 39900,
                   "discount_minor": 0, "amount_minor": 39900}],
    }  # fmt: skip


def _sighting(mac: str, day: int, hour: int = 12) -> dict:
    seen = f"2025-03-{day:02d}T{hour:02d}:00:00+03:00"
    return {"store_code": "S001", "mac_hash": mac, "first_seen": seen, "last_seen": seen,
            "rssi": -60}  # fmt: skip


def test_streamed_order_is_attached_to_the_customer_its_phone_names(
    engine: Engine, exports: Path
) -> None:
    client, members = _client(engine, exports)
    known = client.post("/api/v1/ingest/web", json=_web_order("W1", "8 (916) 111-22-33"))
    assert known.status_code == 201, known.text
    assert (known.json()["customer_id"], known.json()["identity"]) == (
        members["2000000654321"],
        "attached",
    )
    new = client.post("/api/v1/ingest/web", json=_web_order("W2", "+79035550101")).json()
    assert new["identity"] == "created"
    again = client.post("/api/v1/ingest/web/batch", json=[_web_order("W3", "+79035550101")])
    assert again.json()["results"][0]["customer_id"] == new["customer_id"]
    assert again.json()["results"][0]["identity"] == "attached"
    repeat = client.post("/api/v1/ingest/web", json=_web_order("W1", PETR_PHONE)).json()
    assert (repeat["status"], repeat["customer_id"]) == ("duplicate", members["2000000654321"])
    nobody = client.post("/api/v1/ingest/web", json=_web_order("W4", None)).json()
    assert (nobody["customer_id"], nobody["identity"]) == (None, "anonymous")


def test_mac_seen_near_her_receipts_on_two_days_joins_journey_and_funnel(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    client, members = _client(engine, exports)
    anna = members[ANNA_CARD]
    post = client.post
    assert post("/api/v1/ingest/wifi", json=_sighting(MAC_NEAR, 1)).json()["identity"] == (
        "anonymous"
    )
    first = post("/api/v1/ingest/pos", json=_receipt("0001", 1)).json()
    assert (first["customer_id"], first["identity"]) == (anna, "attached")
    once = post("/api/v1/ingest/wifi", json=_sighting(MAC_ONCE, 1)).json()
    far = [post("/api/v1/ingest/wifi", json=_sighting(MAC_FAR, d, hour=17)).json() for d in (1, 5)]
    post("/api/v1/ingest/pos", json=_receipt("0002", 5))
    second = post("/api/v1/ingest/wifi", json=_sighting(MAC_NEAR, 5)).json()
    assert (second["customer_id"], second["identity"]) == (anna, "attached")
    assert once["identity"] == "anonymous"
    assert [f["identity"] for f in far] == ["anonymous", "anonymous"]

    steps = client.get(f"/api/v1/customers/{anna}/journey").json()["items"]
    sightings = [s for s in steps if s["kind"] == "wifi_sighting"]
    assert [s["ref"].split("/")[1] for s in sightings] == [MAC_NEAR, MAC_NEAR]
    assert all(s["detail"]["store_code"] == "S001" for s in sightings)

    snapshot = Snapshot(tmp_path / "analytics.duckdb")
    snapshot.refresh(engine)
    report = run(
        snapshot,
        funnel,
        Query(Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))),
    )
    snapshot.close()
    stages = {r["stage"]: r["customers"] for r in report.records() if r["source"] == "(direct)"}
    assert stages["browsed"] == 1  # Anna, in the store: nobody browsed online
    assert stages["purchased"] == 1
