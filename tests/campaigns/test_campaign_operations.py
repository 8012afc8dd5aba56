"""A campaign's operations through the API on both stores, against a real SMTP server: scheduled
then launched by the worker's own loop when due, paused by hand (nothing sent) and resumed; a
test send reaching the server marked [TEST] and leaving the outbox, results and caps alone; the
caps and quiet hours changed by an operator and applied by the worker from its next batch."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sending_fakes import T0, add_customers, message, start_smtp
from sqlalchemy import Engine, func, select, update

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns import campaign, sending_policy, snapshots
from omnicrm.campaigns.channels.smtp import SmtpProvider
from omnicrm.campaigns.control import in_control
from omnicrm.campaigns.messages import enqueue
from omnicrm.campaigns.worker import Worker
from omnicrm.store.schema import Customer
from omnicrm.store.schema.campaigns_outbox import CampaignMessage
from support import api_client

AUDIENCE = {"type": "attribute", "field": "city", "values": ["Тула"]}
SPRING = {
    "code": "spring",
    "name": "Spring",
    "audience": "tula",
    "channel": "email",
    "control_bp": 1000,
    "variants": [
        {"name": "A", "subject": "Hi {{ first_name }}", "text": "A for {{ first_name }}"},
        {"name": "B", "subject": "Hello {{ first_name }}", "text": "B for {{ first_name }}"},
    ],
}


@pytest.fixture
def smtp() -> Iterator:
    controller, inbox = start_smtp()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def people(engine: Engine) -> list[int]:
    ids = add_customers(engine, 60, channels=("email",))
    with engine.begin() as conn:
        conn.execute(update(Customer).values(city="Тула", first_name="Ира"))
    return ids


@pytest.fixture
def client(engine: Engine, tmp_path: Path, smtp, people: list[int]) -> TestClient:  # type: ignore[no-untyped-def]
    controller, _ = smtp
    client = api_client(engine)
    client.app.state.clock = lambda: T0  # type: ignore[attr-defined]
    client.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    client.app.state.providers = lambda: {  # type: ignore[attr-defined]
        "email": SmtpProvider(controller.hostname, controller.port, "crm@shop.example")
    }
    made = client.post("/api/v1/audiences", json={"code": "tula", "name": "T", "rules": AUDIENCE})
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/campaigns", json=SPRING).status_code == 201
    return client


def _worker(engine: Engine, smtp) -> Worker:  # type: ignore[no-untyped-def]
    controller, _ = smtp
    email = SmtpProvider(controller.hostname, controller.port, "crm@shop.example")
    return Worker(engine, {"email": email}, sending_policy.policy, owner="t")


def _outbox(engine: Engine, campaign_code: str | None = None) -> dict[str, int]:
    t = CampaignMessage.__table__.c
    query = select(t.status, func.count()).group_by(t.status)
    if campaign_code:
        query = query.where(t.campaign == campaign_code)
    with engine.connect() as conn:
        return dict(conn.execute(query).all())  # type: ignore[arg-type]


def test_schedule_pause_resume_and_the_worker_launches_when_due(
    client: TestClient, engine: Engine, smtp, people: list[int], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url = "/api/v1/campaigns/spring/schedule"
    past = client.post(url, json={"starts_at": (T0 - timedelta(hours=1)).isoformat()})
    assert past.status_code == 422
    assert past.json()["error"]["details"][0]["field"] == "starts_at"
    naive = client.post(url, json={"starts_at": "2025-06-02T18:00:00"})
    assert naive.status_code == 422
    assert client.get("/api/v1/campaigns/spring").json()["status"] == "draft"  # nothing changed

    start = T0 + timedelta(hours=2)
    done = client.post(url, json={"starts_at": start.isoformat()})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "scheduled"
    assert done.json()["starts_at"].startswith("2025-06-02T12:00:00")
    assert client.post("/api/v1/campaigns/spring/pause").status_code == 204
    assert client.post("/api/v1/campaigns/spring/pause").status_code == 409

    worker, (_, inbox) = _worker(engine, smtp), smtp
    opened = Snapshot(tmp_path / "worker.duckdb")

    def due(now):  # type: ignore[no-untyped-def]  # what ``campaigns worker`` hooks in
        with snapshots.on_demand(engine, opened) as cursor:
            return campaign.launch_due(engine, cursor, now)

    worker.run(lambda: start - timedelta(minutes=1), until_idle=True, poll_seconds=0.05, due=due)
    assert _outbox(engine) == {}  # not due yet
    worker.run(lambda: start, until_idle=True, poll_seconds=0.05, due=due)
    treated = [
        c for c in people if not in_control(c, "spring", 1000) and not in_control(c, "global", 500)
    ]
    assert _outbox(engine, "spring") == {"queued": len(treated)}  # launched, held by the pause
    assert client.get("/api/v1/campaigns/spring").json()["status"] == "launched"
    assert not inbox.received
    later = {"starts_at": (start + timedelta(days=1)).isoformat()}
    assert client.post(url, json=later).status_code == 409

    assert client.post("/api/v1/campaigns/spring/resume").status_code == 204
    assert client.post("/api/v1/campaigns/spring/resume").status_code == 409
    worker.run(lambda: start, until_idle=True, poll_seconds=0.05, due=due)
    assert _outbox(engine, "spring") == {"sent": len(treated)}
    assert sum(inbox.received.values()) == len(treated)
    opened.close()


def test_a_test_send_reaches_the_server_marked_and_counts_nowhere(
    client: TestClient, engine: Engine, smtp, people: list[int]
) -> None:  # type: ignore[no-untyped-def]
    _, inbox = smtp
    bad = client.post(
        "/api/v1/campaigns/spring/test", json={"customer_id": people[0], "to": "not an address"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "to"
    missing = client.post(
        "/api/v1/campaigns/spring/test", json={"customer_id": 10**9, "to": "me@shop.example"}
    )
    assert missing.status_code == 404
    assert not inbox.received

    sent = client.post(
        "/api/v1/campaigns/spring/test", json={"customer_id": people[0], "to": "Me@Shop.example"}
    )
    assert sent.status_code == 200, sent.text
    assert [(s["variant"], s["to"], s["status"]) for s in sent.json()] == [
        ("A", "me@shop.example", "sent"),
        ("B", "me@shop.example", "sent"),
    ]
    assert sum(inbox.received.values()) == 2
    assert sorted(inbox.subjects) == ["[TEST] Hello Ира", "[TEST] Hi Ира"]
    assert inbox.recipients == ["me@shop.example", "me@shop.example"]
    assert _outbox(engine) == {}  # no row: no result, no cap, nothing queued
    assert client.get("/api/v1/campaigns/spring").json()["queued"] == 0


def test_caps_and_quiet_hours_are_the_operators_and_apply_from_the_next_batch(
    client: TestClient, engine: Engine, smtp, people: list[int]
) -> None:  # type: ignore[no-untyped-def]
    shown = client.get("/api/v1/campaigns/policy").json()
    assert shown == {
        "channel_day": 1,
        "channel_week": 3,
        "day": 2,
        "week": 6,
        "quiet_from_hour": 21,
        "quiet_until_hour": 9,
    }
    wrong = client.put("/api/v1/campaigns/policy", json={**shown, "channel_day": 3, "day": 2})
    assert wrong.status_code == 422
    assert [d["field"] for d in wrong.json()["error"]["details"]] == ["channel_day"]
    too_many = client.put("/api/v1/campaigns/policy", json={**shown, "week": 5000})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"][0]["field"] == "week"
    assert client.get("/api/v1/campaigns/policy").json() == shown  # nothing changed

    reader = api_client(engine, ("campaigns:read",))
    assert reader.get("/api/v1/campaigns/policy").status_code == 200
    assert reader.put("/api/v1/campaigns/policy", json=shown).status_code == 403

    a, b = [c for c in people if not in_control(c, "global", 500)][:2]  # the policy decides
    worker = _worker(engine, smtp)
    with engine.begin() as conn:  # T0 is 13:00 in Moscow
        enqueue(conn, [message(a, campaign=None, step="x")])
    quiet = {**shown, "quiet_from_hour": 12, "quiet_until_hour": 14}
    assert client.put("/api/v1/campaigns/policy", json=quiet).status_code == 200
    worker.run_once(T0)
    with engine.connect() as conn:
        held = conn.execute(
            select(CampaignMessage.status, CampaignMessage.reason, CampaignMessage.due_at)
        ).one()
    assert held[:2] == ("held", "quiet_hours")
    assert held[2] == T0 + timedelta(hours=1)  # 14:00 in Moscow

    closed = {**shown, "channel_day": 0, "channel_week": 0}
    assert client.put("/api/v1/campaigns/policy", json=closed).status_code == 200
    with engine.begin() as conn:
        enqueue(conn, [message(b, campaign=None, step="y")])
    worker.run_once(T0 + timedelta(hours=2))
    t = CampaignMessage.__table__.c
    with engine.connect() as conn:
        outcomes = dict(conn.execute(select(t.customer_id, t.reason)).all())
    assert outcomes == {a: "cap:channel_day", b: "cap:channel_day"}  # a's hold ended at 14:00
    assert not smtp[1].recipients
