"""Customer 360 over resolved data: alias ids resolve, consents merge by latest, one journey."""

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parents[1] / "identity"))
from identity_store import StoreBuilder

from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import unit_of_work
from support import api_client


def test_profile_journey_and_identity_endpoints(engine: Engine) -> None:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        anna = b.member(
            "2000000000017", "Анна", "Иванова", email="anna@mail.ru", consents={"email": (True, t)}
        )
        dup = b.member(
            "2000000000031",
            "Anna",
            "Ivanova",
            email="anna@mail.ru",
            consents={"email": (False, t + timedelta(days=1)), "sms": (True, t)},
        )
        b.event(("cookie", "c9"), kind="product_view")
        b.order(("email", "anna@mail.ru"), ("cookie", "c9"), channel="web")
        b.order(("card", "2000000000031"), channel="pos")
    resolve_all(engine)
    client = api_client(engine)
    profile = client.get(f"/api/v1/customers/{dup}").json()
    assert profile["id"] == anna
    assert {c["channel"]: c["granted"] for c in profile["consents"]} == {
        "email": False,
        "sms": True,
    }
    steps = client.get(f"/api/v1/customers/{dup}/journey").json()["items"]
    assert [(s["channel"], s["kind"]) for s in steps] == [
        ("web", "product_view"),
        ("web", "order"),
        ("pos", "order"),
    ]
    cards = client.get("/api/v1/identity/cards").json()
    assert cards["duplicates"][0]["duplicate_customer_id"] == dup
    merge_id = cards["duplicates"][0]["merge_id"]
    preview = client.get(f"/api/v1/identity/merges/{merge_id}/unmerge-preview").json()
    assert preview["to_id"] == dup
    assert client.get(f"/api/v1/customers/{dup}").json()["id"] == anna  # preview changed nothing
    assert client.post(f"/api/v1/identity/merges/{merge_id}/unmerge").status_code == 200
    assert client.get(f"/api/v1/customers/{dup}").json()["id"] == dup
    assert client.get("/api/v1/identity/review").json() == []
