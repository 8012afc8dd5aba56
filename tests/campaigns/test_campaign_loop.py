"""A campaign from end to end on both stores, with nothing stood in: an audience and a campaign
made through the API, launched into the real outbox, sent by the worker through the policy gate
to a real SMTP server; the control groups get nothing; the unsubscribe link in a message turns
the consent off, and the next campaign's message to that customer is dropped for it."""

from pathlib import Path

from sending_fakes import T0, add_customers, start_smtp
from sqlalchemy import Engine, select, update

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns.channels.smtp import SmtpProvider, message_id
from omnicrm.campaigns.control import in_control
from omnicrm.campaigns.gate import Policy
from omnicrm.campaigns.worker import Worker
from omnicrm.store.schema import Consent, Customer
from omnicrm.store.schema.campaigns_outbox import CampaignMessage
from support import api_client

AUDIENCE = {"type": "attribute", "field": "city", "values": ["Тула"]}
DOMAIN = "shop.example"


def _campaign(code: str) -> dict:
    return {
        "code": code,
        "name": code,
        "audience": "tula",
        "channel": "email",
        "control_bp": 1000,
        "variants": [{"name": "A", "subject": "Hi", "text": "Sale for {{ first_name }}"}],
    }


def test_launch_send_unsubscribe_and_the_next_campaign_respects_it(
    engine: Engine, tmp_path: Path
) -> None:
    people = add_customers(engine, 120, channels=("email",))
    with engine.begin() as conn:
        conn.execute(update(Customer).values(city="Тула"))
    client = api_client(engine)
    client.app.state.clock = lambda: T0  # type: ignore[attr-defined]
    client.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    made = client.post("/api/v1/audiences", json={"code": "tula", "name": "T", "rules": AUDIENCE})
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/campaigns", json=_campaign("first")).status_code == 201
    launched = client.post("/api/v1/campaigns/first/launch").json()
    treated = {
        c for c in people if not in_control(c, "first", 1000) and not in_control(c, "global", 500)
    }
    assert launched["queued"] == len(treated) > 0

    controller, inbox = start_smtp()
    try:
        email = SmtpProvider(controller.hostname, controller.port, f"crm@{DOMAIN}")
        worker = Worker(engine, {"email": email}, Policy(global_control_bp=500), owner="t")
        worker.run(lambda: T0, until_idle=True, poll_seconds=0.05)
        keys = {f"first:{c}:email:0" for c in treated}
        assert set(inbox.received) == {message_id(k, DOMAIN) for k in keys}
        assert set(inbox.received.values()) == {1}

        quitter = min(treated)
        with engine.connect() as conn:
            text = conn.scalar(
                select(CampaignMessage.text).where(
                    CampaignMessage.key == f"first:{quitter}:email:0"
                )
            )
        path = "/u/" + text.rsplit("/u/", 1)[1].split()[0]
        asked = client.get(path)
        assert asked.status_code == 200
        assert "<form" in asked.text
        with engine.connect() as conn:  # a mail scanner opening the link changes nothing
            assert conn.scalar(select(Consent.id).where(Consent.granted.is_(False))) is None
        assert client.post(path).status_code == 200
        assert client.get("/u/forged.token").status_code == 404

        assert client.post("/api/v1/campaigns", json=_campaign("second")).status_code == 201
        client.post("/api/v1/campaigns/second/launch")
        worker.run(lambda: T0, until_idle=True, poll_seconds=0.05)
    finally:
        controller.stop()
    with engine.connect() as conn:
        status, reason = conn.execute(
            select(CampaignMessage.status, CampaignMessage.reason).where(
                CampaignMessage.key == f"second:{quitter}:email:0"
            )
        ).one()
    assert (status, reason) == ("dropped", "consent:refused")
    second = {k for k in inbox.received if k not in {message_id(k, DOMAIN) for k in keys}}
    assert len(second) > 0
