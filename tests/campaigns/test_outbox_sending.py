"""The outbox end to end on both databases, against a real SMTP server and a local HTTP
provider: the gate's outcomes on the rows, held then sent, retries, bounces, pauses, receipts."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sending_fakes import T0, HttpProvider, add_customers, email_of, message, start_smtp
from sqlalchemy import Engine, select

from omnicrm.campaigns.channels.smtp import SmtpProvider, message_id
from omnicrm.campaigns.channels.webhook import WebhookProvider
from omnicrm.campaigns.control import in_control
from omnicrm.campaigns.delivery import Receipt, record_receipts
from omnicrm.campaigns.gate import Policy
from omnicrm.campaigns.messages import enqueue, resume
from omnicrm.campaigns.worker import SendingSettings, Worker
from omnicrm.core.errors import InvalidRecord
from omnicrm.store.schema import Consent, Event
from omnicrm.store.schema.campaigns_outbox import CampaignMessage

NO_CONTROL = Policy(global_control_bp=0)
FAST = SendingSettings(retry_base=timedelta(minutes=1), max_attempts=3, pause_after=10)


@pytest.fixture
def smtp() -> Iterator:
    controller, inbox = start_smtp()
    yield controller, inbox
    controller.stop()


def worker(engine: Engine, smtp, policy=NO_CONTROL, settings=FAST, **providers) -> Worker:  # type: ignore[no-untyped-def]
    controller, _ = smtp
    email = SmtpProvider(controller.hostname, controller.port, "shop@example.com")
    return Worker(engine, {"email": email, **providers}, policy, settings, owner="test")


def rows(engine: Engine) -> dict[str, tuple]:
    t = CampaignMessage.__table__.c
    with engine.connect() as conn:
        found = conn.execute(select(t.key, t.status, t.reason, t.attempts))
        return {key: (status, reason, attempts) for key, status, reason, attempts in found}


def put(engine: Engine, *messages) -> int:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        return enqueue(conn, messages)


def test_enqueue_inserts_each_key_once_and_names_bad_fields(engine: Engine) -> None:
    (c,) = add_customers(engine, 1)
    assert put(engine, message(c), message(c, step="2")) == 2
    assert put(engine, message(c), message(c, step="3")) == 1
    with pytest.raises(InvalidRecord) as bad:
        put(engine, message(c, step="4"), message(c, step="5", channel="fax"))
    assert [d["field"] for d in bad.value.details] == ["messages[1].channel"]
    assert len(rows(engine)) == 3


def test_gate_outcomes_are_recorded_with_their_reasons(engine: Engine, smtp) -> None:  # type: ignore[no-untyped-def]
    refused = add_customers(engine, 1, consent=False)[0]
    never_asked = add_customers(engine, 1, consent=None)[0]
    ok = add_customers(engine, 3)
    put(
        engine,
        message(refused),
        message(never_asked),
        message(never_asked, kind="transactional", campaign=None),
        message(ok[0], expires_at=T0 - timedelta(minutes=1)),
        message(ok[1]),
        message(ok[1], step="2"),  # the second e-mail today: capped
    )
    report = worker(engine, smtp).run_once(T0)
    assert report == {"sent": 2, "dropped": 4}
    got = rows(engine)
    assert got[f"SPRING:{refused}:email:1"][:2] == ("dropped", "consent:refused")
    assert got[f"SPRING:{never_asked}:email:1"][:2] == ("dropped", "consent:not_given")
    assert got[f"trigger:{never_asked}:email:1"][:2] == ("sent", None)
    assert got[f"SPRING:{ok[0]}:email:1"][:2] == ("dropped", "expired")
    assert got[f"SPRING:{ok[1]}:email:2"][:2] == ("dropped", "cap:channel_day")
    _, inbox = smtp
    assert set(inbox.received) == {
        message_id(f"trigger:{never_asked}:email:1", "example.com"),
        message_id(f"SPRING:{ok[1]}:email:1", "example.com"),
    }


def test_the_global_control_group_is_never_sent_marketing(engine: Engine, smtp) -> None:  # type: ignore[no-untyped-def]
    ids = add_customers(engine, 60)
    put(engine, *(message(c) for c in ids))
    worker(engine, smtp, Policy(global_control_bp=2000)).run_once(T0)
    control = {c for c in ids if in_control(c, "global", 2000)}
    assert 0 < len(control) < len(ids)
    got = rows(engine)
    assert {c for c in ids if got[f"SPRING:{c}:email:1"][1] == "control:global"} == control
    _, inbox = smtp
    assert len(inbox.received) == len(ids) - len(control)


def test_quiet_hours_hold_the_message_then_it_goes_when_the_window_opens(
    engine: Engine, smtp
) -> None:  # type: ignore[no-untyped-def]
    (c,) = add_customers(engine, 1, timezone="Asia/Yekaterinburg")  # UTC+5
    put(engine, message(c))
    night = T0.replace(hour=18)  # 23:00 there
    sender = worker(engine, smtp)
    assert sender.run_once(night) == {"held": 1}
    assert rows(engine)[f"SPRING:{c}:email:1"][:2] == ("held", "quiet_hours")
    assert sender.run_once(T0.replace(day=3, hour=3, minute=59)) == {}  # 08:59 there
    assert sender.run_once(T0.replace(day=3, hour=4)) == {"sent": 1}  # 09:00
    assert len(smtp[1].received) == 1


def test_4xx_is_retried_with_backoff_and_5xx_bounces_with_an_event(engine: Engine, smtp) -> None:  # type: ignore[no-untyped-def]
    slow, gone = add_customers(engine, 2)
    _, inbox = smtp
    inbox.script = {email_of(slow): [451, 421], email_of(gone): [550]}
    put(engine, message(slow), message(gone))
    sender = worker(engine, smtp)
    assert sender.run_once(T0) == {"retrying": 1, "bounced": 1}
    assert sender.run_once(T0 + timedelta(seconds=59)) == {}
    assert sender.run_once(T0 + timedelta(minutes=1)) == {"retrying": 1}
    assert rows(engine)[f"SPRING:{slow}:email:1"][0::2] == ("retrying", 2)
    assert sender.run_once(T0 + timedelta(minutes=3)) == {"sent": 1}
    got = rows(engine)
    assert got[f"SPRING:{slow}:email:1"] == ("sent", None, 3)
    assert got[f"SPRING:{gone}:email:1"][0] == "bounced"
    assert "550" in got[f"SPRING:{gone}:email:1"][1]
    with engine.connect() as conn:
        kinds = conn.execute(select(Event.customer_id, Event.kind)).all()
    assert sorted(kinds) == sorted([(gone, "message_bounced"), (slow, "message_sent")])


def test_a_campaign_pauses_after_consecutive_errors_and_resumes(engine: Engine, smtp) -> None:  # type: ignore[no-untyped-def]
    ids = add_customers(engine, 5)
    _, inbox = smtp
    inbox.script = {email_of(c): [451] for c in ids[:3]}
    put(engine, *(message(c) for c in ids))
    sender = worker(engine, smtp, settings=SendingSettings(pause_after=3))
    assert sender.run_once(T0) == {"retrying": 3, "released": 2}
    assert sender.run_once(T0 + timedelta(hours=1)) == {}  # paused: nothing claimed
    with engine.begin() as conn:
        assert resume(conn, "SPRING")
    assert sender.run_once(T0 + timedelta(hours=1)) == {"sent": 5}
    assert len(inbox.received) == 5


def test_http_provider_retries_500_and_receipts_come_back_as_events(engine: Engine, smtp) -> None:  # type: ignore[no-untyped-def]
    a, b = add_customers(engine, 2)
    provider = HttpProvider()
    try:
        provider.fail = {f"SPRING:{a}:sms:1": 1}
        put(engine, message(a, channel="sms"), message(b, channel="sms"))
        sender = worker(engine, smtp, sms=WebhookProvider(provider.url))
        assert sender.run_once(T0) == {"retrying": 1, "sent": 1}
        assert sender.run_once(T0 + timedelta(minutes=1)) == {"sent": 1}
    finally:
        provider.stop()
    assert sorted(p["key"] for p in provider.accepted) == [f"SPRING:{a}:sms:1", f"SPRING:{b}:sms:1"]
    assert {p["to"] for p in provider.accepted} == {f"+7900{a:07d}", f"+7900{b:07d}"}
    later = T0 + timedelta(minutes=5)
    receipts = [
        Receipt(f"SPRING:{a}:sms:1", "delivered", later),
        Receipt(f"SPRING:{a}:sms:1", "delivered", later),
        Receipt(f"SPRING:{b}:sms:1", "unsubscribed", later),
        Receipt("nope", "delivered", later),
    ]
    with engine.begin() as conn:
        report = record_receipts(conn, "webhook", receipts)
    assert (report.recorded, report.duplicates, report.unknown) == (2, 1, ["nope"])
    with engine.connect() as conn:
        kinds = conn.execute(select(Event.customer_id, Event.kind).order_by(Event.id)).all()
        consent = conn.execute(
            select(Consent.granted, Consent.source)
            .where(Consent.customer_id == b, Consent.channel == "sms")
            .order_by(Consent.recorded_at.desc())
        ).first()
    assert (a, "message_delivered") in kinds
    assert (b, "message_unsubscribed") in kinds
    assert tuple(consent) == (False, "unsubscribe")
    put(engine, message(b, channel="sms", step="2"))
    assert worker(engine, smtp, sms=WebhookProvider("http://127.0.0.1:9")).run_once(
        T0 + timedelta(days=1)
    ) == {"dropped": 1}
    assert rows(engine)[f"SPRING:{b}:sms:2"][1] == "consent:refused"


def test_sending_lanes_send_each_message_once_and_keep_caps_per_customer(
    engine: Engine, smtp
) -> None:  # type: ignore[no-untyped-def]
    ids = add_customers(engine, 30)
    put(engine, *(message(c, step=s) for c in ids for s in ("1", "2")))
    lanes = SendingSettings(senders=3)
    assert worker(engine, smtp, settings=lanes).run_once(T0) == {"sent": 30, "dropped": 30}
    got = rows(engine)
    assert {got[f"SPRING:{c}:email:2"][1] for c in ids} == {"cap:channel_day"}
    assert sorted(smtp[1].received.values()) == [1] * 30
