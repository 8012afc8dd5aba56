"""The outbox over HTTP: queue messages (each key once, bad fields named), see their outcomes,
resume a paused campaign, and a provider's receipts webhook turning an unsubscribe into consent."""

from sending_fakes import T0, add_customers
from sqlalchemy import Engine, insert, select

from omnicrm.store.schema import Consent, Event
from omnicrm.store.schema.campaigns_outbox import CampaignSending
from support import api_client


def body(customer_id: int, **changes: object) -> dict:
    return {
        "key": f"SPRING:{customer_id}:email:1",
        "customer_id": customer_id,
        "channel": "email",
        "kind": "marketing",
        "campaign": "SPRING",
        "text": "Hello",
        **changes,
    }


def test_queue_list_and_scopes(engine: Engine) -> None:
    (c,) = add_customers(engine, 1)
    client = api_client(engine, ("campaigns:manage",))
    first = client.post("/api/v1/campaigns/messages", json={"messages": [body(c)]})
    assert first.status_code == 202, first.text
    assert first.json() == {"inserted": 1, "duplicates": 0}
    again = client.post("/api/v1/campaigns/messages", json={"messages": [body(c)]})
    assert again.json() == {"inserted": 0, "duplicates": 1}
    bad = client.post("/api/v1/campaigns/messages", json={"messages": [body(c, channel="fax")]})
    assert bad.status_code == 422
    assert "messages[0].channel" in bad.text
    listed = client.get("/api/v1/campaigns/messages", params={"customer_id": c}).json()
    assert [(m["key"], m["status"]) for m in listed] == [(f"SPRING:{c}:email:1", "queued")]
    receipts_only = api_client(engine, ("campaigns:receipts",))
    assert receipts_only.get("/api/v1/campaigns/messages").status_code == 403


def test_resume_a_paused_campaign(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(CampaignSending),
            {
                "campaign": "SPRING",
                "consecutive_errors": 20,
                "paused_at": T0,
                "paused_reason": "20 consecutive send errors",
            },
        )
    client = api_client(engine, ("campaigns:manage",))
    pauses = client.get("/api/v1/campaigns/messages/pauses").json()
    assert [(p["campaign"], p["consecutive_errors"]) for p in pauses] == [("SPRING", 20)]
    assert client.delete("/api/v1/campaigns/messages/pauses/SPRING").status_code == 204
    assert client.get("/api/v1/campaigns/messages/pauses").json() == []
    assert client.delete("/api/v1/campaigns/messages/pauses/SPRING").status_code == 404


def test_receipts_webhook_records_events_and_unsubscribes(engine: Engine) -> None:
    (c,) = add_customers(engine, 1)
    manage = api_client(engine, ("campaigns:manage",))
    manage.post("/api/v1/campaigns/messages", json={"messages": [body(c)]})
    provider = api_client(engine, ("campaigns:receipts",))
    at = "2025-06-02T15:00:00+03:00"  # after the consent was given
    posted = provider.post(
        "/api/v1/campaigns/providers/webhook/receipts",
        json={
            "receipts": [
                {"key": f"SPRING:{c}:email:1", "event": "opened", "occurred_at": at},
                {"key": f"SPRING:{c}:email:1", "event": "unsubscribed", "occurred_at": at},
            ]
        },
    )
    assert posted.status_code == 200, posted.text
    assert posted.json() == {"recorded": 2, "duplicates": 0, "unknown": []}
    bad = provider.post(
        "/api/v1/campaigns/providers/webhook/receipts",
        json={"receipts": [{"key": "k", "event": "exploded", "occurred_at": at}]},
    )
    assert bad.status_code == 422
    assert "receipts[0].event" in bad.text
    with engine.connect() as conn:
        kinds = conn.execute(select(Event.kind).where(Event.customer_id == c)).scalars().all()
        latest = conn.execute(
            select(Consent.granted)
            .where(Consent.customer_id == c, Consent.channel == "email")
            .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        ).first()
    assert sorted(kinds) == ["message_opened", "message_unsubscribed"]
    assert latest == (False,)
