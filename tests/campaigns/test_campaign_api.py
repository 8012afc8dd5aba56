"""Campaigns through the API on both stores: audiences (create, live count, snapshot, filling a
promotion segment), campaigns (create, preview, launch, results) and their key scopes.

The outbox belongs to the sending part: launch is tested against a recording ``enqueue`` that
keeps the contract (insert what is new by key, say how many)."""

from datetime import timedelta
from pathlib import Path

import pytest
from campaign_shop import NOW, build
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns import control, messages, unsubscribe
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Customer
from omnicrm.store.schema.promotions import PromotionAudience
from support import api_client

TULA = 300
"""Customers of Тула, the audience: enough for every control to be non-empty."""


class Outbox:
    def __init__(self) -> None:
        self.sent: dict[str, messages.OutgoingMessage] = {}

    def enqueue(self, conn: Connection, batch: list[messages.OutgoingMessage]) -> int:
        new = {m.key: m for m in batch if m.key not in self.sent}
        self.sent.update(new)
        return len(new)


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> Outbox:
    box = Outbox()
    monkeypatch.setattr(messages, "enqueue", box.enqueue)
    return box


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> TestClient:
    with unit_of_work(engine) as session:
        shop = build(session)
        for i in range(TULA):
            shop.customer(f"T{i}", first_name=f"Name{i}", city="Тула")
    client = api_client(engine)
    client.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
    client.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    return client


AUDIENCE = {"type": "attribute", "field": "city", "values": ["Тула"]}
CAMPAIGN = {
    "code": "autumn",
    "name": "Autumn",
    "audience": "tula",
    "channel": "email",
    "control_bp": 1000,
    "offer_code": "AUT10",
    "variants": [
        {"name": "A", "subject": "Hi {{ first_name }}", "text": "A {{ offer_code }}"},
        {"name": "B", "subject": "Hello {{ first_name }}", "text": "B {{ offer_code }}"},
    ],
}


def test_audience_count_snapshot_and_promotion_segment(client: TestClient, engine: Engine) -> None:
    assert client.post("/api/v1/audiences/count", json=AUDIENCE).json()["count"] == TULA
    bad = client.post("/api/v1/audiences/count", json={"type": "age", "min": -1})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "rules.min"
    made = client.post(
        "/api/v1/audiences", json={"code": "tula", "name": "Tula", "rules": AUDIENCE}
    )
    assert made.status_code == 201
    assert [a["code"] for a in client.get("/api/v1/audiences").json()] == ["tula"]
    snap = client.post("/api/v1/audiences/tula/snapshots")
    assert (snap.status_code, snap.json()["size"]) == (201, TULA)
    filled = client.put("/api/v1/audiences/tula/promotion-segments/vip")
    assert filled.json() == {"segment": "vip", "members": TULA, "snapshot": snap.json()["id"]}
    with read_session(engine) as session:
        members = set(session.scalars(select(PromotionAudience.customer_id)))
        tula = set(session.scalars(select(Customer.id).where(Customer.city == "Тула")))
    assert members == tula


def test_launch_leaves_out_both_controls_and_is_idempotent(
    client: TestClient, engine: Engine, outbox: Outbox
) -> None:
    client.post("/api/v1/audiences", json={"code": "tula", "name": "Tula", "rules": AUDIENCE})
    bad = client.post("/api/v1/campaigns", json={**CAMPAIGN, "channel": "fax"})
    assert [d["field"] for d in bad.json()["error"]["details"]] == ["channel"]
    assert client.post("/api/v1/campaigns", json=CAMPAIGN).status_code == 201
    with read_session(engine) as session:
        tula = list(session.scalars(select(Customer.id).where(Customer.city == "Тула")))
    own = {c for c in tula if control.in_control(c, "autumn", 1000)}
    glob = {c for c in tula if control.in_control(c, "global", 500)}
    treated = set(tula) - own - glob
    assert own
    assert glob

    first = client.post("/api/v1/campaigns/autumn/launch").json()
    assert first["audience"] == TULA
    assert (first["control"], first["global_control"]) == (len(own - glob), len(glob))
    assert first["queued"] == len(treated) == len(outbox.sent)
    assert {m.customer_id for m in outbox.sent.values()} == treated
    assert set(first["variants"]) == {"A", "B"}
    one = outbox.sent[f"autumn:{min(treated)}:email:0"]
    assert one.subject in (
        f"Hi Name{min(treated) - min(tula)}",
        f"Hello Name{min(treated) - min(tula)}",
    )
    assert one.kind == "marketing"
    assert one.campaign == "autumn"
    assert one.not_before == NOW
    token = one.text.rsplit("/u/", 1)[1].strip()
    assert unsubscribe.read_token(token) == unsubscribe.Unsubscribe(
        one.customer_id, "email", "autumn"
    )

    again = client.post("/api/v1/campaigns/autumn/launch").json()
    assert again["queued"] == 0
    assert client.get("/api/v1/campaigns/autumn").json()["queued"] == len(treated)

    results = client.get("/api/v1/campaigns/autumn/results").json()
    assert results["treated"]["customers"] == len(treated)
    assert results["control"]["customers"] == len(own | glob)
    assert results["significant"] is False
    assert results["verdict"].startswith("not significant")


def test_preview_renders_every_variant_for_a_real_customer(
    client: TestClient, engine: Engine
) -> None:
    client.post("/api/v1/audiences", json={"code": "tula", "name": "Tula", "rules": AUDIENCE})
    client.post(
        "/api/v1/campaigns",
        json={
            **CAMPAIGN,
            "variants": [
                {
                    "name": "A",
                    "subject": "{{ first_name }}",
                    "text": "{{ balance }} points, {{ points_expiring }} by {{ points_expire_on }}",
                }
            ],
        },
    )
    with read_session(engine) as session:
        anna = session.scalar(select(Customer.id).where(Customer.first_name == "Anna"))
    got = client.post(f"/api/v1/campaigns/autumn/preview?customer_id={anna}").json()
    assert got["A"]["subject"] == "Anna"
    assert got["A"]["text"].startswith(f"500 points, 200 by {(NOW + timedelta(days=10)).date()}")
    assert "/u/" in got["A"]["text"]
    assert client.post("/api/v1/campaigns/autumn/preview?customer_id=999999").status_code == 404


def test_a_read_key_cannot_launch(engine: Engine) -> None:
    reader = api_client(engine, ("campaigns:read",))
    assert reader.get("/api/v1/audiences").status_code == 200
    assert reader.post("/api/v1/campaigns/autumn/launch").status_code == 403
