"""Every trigger fires from the data that causes it, through the API on both stores: an
enrolment, a receipt at the till (its order, its level change, its points lot), cart events
streamed from the web, a birth date, the lot about to expire, the RFM segment; a second run
queues nothing new. The till shows its messages at calculate and delivers them at confirm, once.
A scheduled campaign launches when its start has come, not before."""

import json
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sending_fakes import add_customers
from sqlalchemy import Engine, select, update

from loyalty.loyalty_helpers import T0, receipt
from omnicrm.analytics.segments import SEGMENTS
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.identity.resolve import resolve_all
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer, Event
from omnicrm.store.schema.campaigns_outbox import CampaignMessage
from omnicrm.surveys.questionnaire import EXAMPLES as QUESTIONNAIRES
from support import api_client

PHONE, EMAIL = "+79161112233", "anna@mail.ru"
TRIGGERS = [
    ("welcome", "welcome", "sms", {}, None),
    ("cart", "abandoned_cart", "email", {"hours": 2}, "Your cart"),
    ("birthday", "birthday", "sms", {}, None),
    ("expiring", "points_expiring", "sms", {"days": 14}, None),
    ("level", "level_change", "till", {"direction": "up"}, "cashier"),
    ("thanks", "post_purchase", "push", {"hours": 1}, None),
    ("winback", "win_back", "sms", {"segments": list(SEGMENTS), "period_days": 730}, None),
]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


def _client(engine: Engine, tmp_path: Path) -> tuple[TestClient, Clock]:
    with unit_of_work(engine) as session:
        save_program(session, read_program_file(EXAMPLES / "retail.json"))
    client, clock = api_client(engine), Clock()
    client.app.state.clock = clock  # type: ignore[attr-defined]
    client.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    return client, clock


def _ok(response, status: int = 200) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    return response.json()


def _run(client: TestClient) -> dict:
    return _ok(client.post("/api/v1/campaigns/triggers/run"))


def _keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(CampaignMessage.key)))


def test_every_trigger_fires_once_from_its_data(engine: Engine, tmp_path: Path) -> None:
    client, clock = _client(engine, tmp_path)
    for code, kind, channel, params, subject in TRIGGERS:
        body = {"code": code, "name": code, "kind": kind, "channel": channel, "params": params,
                "subject": subject, "text": "Hi {{ first_name }}, {{ level }}"}  # fmt: skip
        _ok(client.post("/api/v1/campaigns/triggers", json=body), 201)
    listed = _ok(client.get("/api/v1/campaigns/triggers"))
    assert {t["code"]: t["message_kind"] for t in listed}["cart"] == "marketing"
    _ok(client.post("/api/v1/ingest/products", json={"sku": "P1", "name": "Туфли",
        "category_path": "Обувь", "price_minor": 500_000}), 201)  # fmt: skip

    clock.now = T0 + timedelta(minutes=1)
    member = _ok(client.post("/api/v1/loyalty/enrol", json={"channel": "till", "phone": PHONE,
        "email": EMAIL, "first_name": "Anna", "consents": {"sms": True}}))  # fmt: skip
    account, customer = member["account_id"], member["customer_id"]
    with engine.begin() as conn:
        conn.execute(
            update(Customer).where(Customer.id == customer).values(birth_date=date(1990, 3, 3))
        )
    clock.now = T0 + timedelta(minutes=5)
    sale = receipt("R1", account, [("P1", "shoes", 7, 500_000)])  # over 30 000.00: silver
    assert _ok(client.post("/api/v1/till/confirm", json=sale))["level"] == "silver"
    clock.now = T0 + timedelta(minutes=10)
    _ok(client.post("/api/v1/ingest/web_events", json={"event_id": "w1",
        "ts": clock.now.isoformat(), "cookie": "c1", "type": "add_to_cart", "sku": "P1",
        "url": "/p/P1", "email": EMAIL}), 201)  # fmt: skip
    resolve_all(engine)

    clock.now = T0 + timedelta(hours=1)  # the cart is not abandoned for 2 hours yet
    early = _run(client)["queued"]
    assert (early["cart"], early["thanks"]) == (0, 0)
    clock.now = T0 + timedelta(hours=3)
    first = _run(client)["queued"]
    with engine.connect() as conn:
        cart_event = conn.scalar(select(Event.id).where(Event.source_key == "w1"))
        order = conn.scalar(select(CampaignMessage.key).where(CampaignMessage.channel == "push"))
    keys = _keys(engine)
    assert f"trigger:welcome:{account}:{customer}:sms:0" in keys
    assert f"trigger:cart:{cart_event}:{customer}:email:0" in keys
    assert f"trigger:birthday:2025:{customer}:sms:0" in keys
    assert order is not None
    assert order.startswith("trigger:thanks:")
    assert any(k.startswith("trigger:level:") and k.endswith(f":{customer}:till:0") for k in keys)
    assert first["expiring"] == 0  # the lot is still pending (return window)
    assert f"trigger:winback:{order.split(':')[2]}:{customer}:sms:0" in keys  # the last order
    assert _run(client)["queued"] == {code: 0 for code, *_ in TRIGGERS}  # nothing twice

    clock.now = T0 + timedelta(days=370)  # the lot (active after 14 days) expires at 379
    later = _run(client)["queued"]
    # still in a listed segment, but no order since the last win-back: nothing again
    assert (later["expiring"], later["winback"], later["birthday"]) == (1, 0, 0)
    assert _run(client)["queued"] == {code: 0 for code, *_ in TRIGGERS}
    with engine.connect() as conn:
        kinds = dict(conn.execute(select(CampaignMessage.channel, CampaignMessage.kind)).all())
    assert kinds["email"] == "marketing"
    assert kinds["till"] == "transactional"


def test_a_till_message_is_shown_at_calculate_and_delivered_at_confirm_once(
    engine: Engine, tmp_path: Path
) -> None:
    client, clock = _client(engine, tmp_path)
    body = {"code": "hello", "name": "Hello", "kind": "welcome", "channel": "till",
            "subject": "receipt", "text": "Welcome, {{ first_name }}!"}  # fmt: skip
    _ok(client.post("/api/v1/campaigns/triggers", json=body), 201)
    clock.now = T0 + timedelta(minutes=1)
    member = _ok(client.post("/api/v1/loyalty/enrol", json={"channel": "till", "phone": PHONE,
        "first_name": "Anna", "consents": {}}))  # fmt: skip
    account = member["account_id"]
    assert _run(client)["queued"] == {"hello": 1}
    shown = {"audience": "receipt", "text": "Welcome, Anna!",
             "message": f"trigger:hello:{account}:{member['customer_id']}:till:0"}  # fmt: skip
    sale = receipt("R1", account, [("P9", "shoes", 1, 100_000)])
    for _ in range(2):  # a quote is repeatable: shown, not yet delivered
        assert shown in _ok(client.post("/api/v1/till/calculate", json=sale))["messages"]
    confirmed = _ok(client.post("/api/v1/till/confirm", json=sale))
    assert shown in confirmed["messages"]
    assert _ok(client.post("/api/v1/till/confirm", json=sale)) == confirmed  # a retry replays
    with engine.connect() as conn:
        row = conn.execute(select(CampaignMessage)).one()
        delivered = conn.scalar(select(Event.kind).where(Event.source == "campaigns"))
    assert (row.status, row.provider, row.provider_id) == ("sent", "till", "T1/R1")
    assert delivered == "message_delivered"
    again = receipt("R2", account, [("P9", "shoes", 1, 100_000)])
    assert shown not in _ok(client.post("/api/v1/till/calculate", json=again))["messages"]
    assert shown not in _ok(client.post("/api/v1/till/confirm", json=again))["messages"]


def test_a_scheduled_campaign_launches_when_due_and_not_before(
    engine: Engine, tmp_path: Path
) -> None:
    client, clock = _client(engine, tmp_path)
    add_customers(engine, 40, channels=("email",))
    with engine.begin() as conn:
        conn.execute(update(Customer).values(city="Тула"))
    rule = {"type": "attribute", "field": "city", "values": ["Тула"]}
    _ok(client.post("/api/v1/audiences", json={"code": "tula", "name": "T", "rules": rule}), 201)
    starts = T0 + timedelta(hours=1)
    made = _ok(client.post("/api/v1/campaigns", json={"code": "spring", "name": "S",
        "audience": "tula", "channel": "email", "starts_at": starts.isoformat(),
        "variants": [{"subject": "Hi", "text": "Sale"}]}), 201)  # fmt: skip
    assert made["status"] == "scheduled"
    assert _run(client)["launched"] == []
    assert _ok(client.get("/api/v1/campaigns/spring"))["status"] == "scheduled"
    assert _keys(engine) == set()
    clock.now = starts
    assert _run(client)["launched"] == ["spring"]
    launched = _ok(client.get("/api/v1/campaigns/spring"))
    assert launched["status"] == "launched"
    assert launched["queued"] > 0
    assert _run(client)["launched"] == []  # launched once
    assert len(_keys(engine)) == launched["queued"]


def test_a_trigger_with_bad_fields_is_refused_naming_them(engine: Engine, tmp_path: Path) -> None:
    client, _ = _client(engine, tmp_path)
    body = {"code": "x", "name": "x", "kind": "abandoned_cart", "channel": "till",
            "params": {"hours": 0}, "subject": "everyone", "text": "{% if %}"}  # fmt: skip
    refused = client.post("/api/v1/campaigns/triggers", json=body)
    assert refused.status_code == 422, refused.text
    fields = {d["field"] for d in refused.json()["error"]["details"]}
    assert {"params.hours", "subject", "text"} <= fields
    assert _ok(client.get("/api/v1/campaigns/triggers")) == []


def test_browse_abandonment_fires_for_a_view_left_alone_only(
    engine: Engine, tmp_path: Path
) -> None:
    client, clock = _client(engine, tmp_path)
    body = {"code": "browse", "name": "b", "kind": "abandoned_browse", "channel": "email",
            "params": {"hours": 2}, "subject": "Still looking?", "text": "Hi"}  # fmt: skip
    _ok(client.post("/api/v1/campaigns/triggers", json=body), 201)
    _ok(client.post("/api/v1/ingest/products", json={"sku": "P1", "name": "Туфли",
        "category_path": "Обувь", "price_minor": 500_000}), 201)  # fmt: skip
    clock.now = T0 + timedelta(minutes=1)
    people = {}
    for n, email in enumerate(("left@mail.ru", "kept@mail.ru")):
        people[email] = _ok(client.post("/api/v1/loyalty/enrol", json={"channel": "till",
            "phone": f"+7916000000{n}", "email": email, "consents": {"email": True}}))  # fmt: skip
    clock.now = T0 + timedelta(minutes=10)
    events = [("v1", "product_view", "left@mail.ru"), ("v2", "product_view", "kept@mail.ru"),
              ("a2", "add_to_cart", "kept@mail.ru")]  # fmt: skip
    for key, kind, email in events:
        _ok(client.post("/api/v1/ingest/web_events", json={"event_id": key,
            "ts": clock.now.isoformat(), "cookie": f"c-{email}", "type": kind, "sku": "P1",
            "url": "/p/P1", "email": email}), 201)  # fmt: skip
    resolve_all(engine)
    clock.now = T0 + timedelta(hours=1)
    assert _run(client)["queued"] == {"browse": 0}  # not two hours yet
    clock.now = T0 + timedelta(hours=3)
    assert _run(client)["queued"] == {"browse": 1}
    with engine.connect() as conn:
        view = conn.scalar(select(Event.id).where(Event.source_key == "v1"))
    left = people["left@mail.ru"]["customer_id"]
    assert _keys(engine) == {f"trigger:browse:{view}:{left}:email:0"}
    assert _run(client)["queued"] == {"browse": 0}


def test_survey_invitations_after_a_purchase_and_a_service_call(
    engine: Engine, tmp_path: Path
) -> None:
    client, clock = _client(engine, tmp_path)
    nps = json.loads((QUESTIONNAIRES / "nps.json").read_text(encoding="utf-8"))
    _ok(client.post("/api/v1/surveys", json=nps), 201)
    kinds = (("after-buy", "survey_purchase"), ("after-call", "survey_service"))
    for code, kind in kinds:
        body = {"code": code, "name": code, "kind": kind, "channel": "email",
                "params": {"hours": 1, "survey": "nps"}, "subject": "?", "text": "?"}  # fmt: skip
        _ok(client.post("/api/v1/campaigns/triggers", json=body), 201)
    unknown = {"code": "x", "name": "x", "kind": "survey_purchase", "channel": "email",
               "params": {"hours": 1, "survey": "csat"}, "subject": "?", "text": "?"}  # fmt: skip
    refused = client.post("/api/v1/campaigns/triggers", json=unknown)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "params.survey"
    _ok(client.post("/api/v1/ingest/products", json={"sku": "P1", "name": "Туфли",
        "category_path": "Обувь", "price_minor": 500_000}), 201)  # fmt: skip
    clock.now = T0 + timedelta(minutes=1)
    member = _ok(client.post("/api/v1/loyalty/enrol", json={"channel": "till", "phone": PHONE,
        "email": EMAIL, "consents": {"email": True}}))  # fmt: skip
    sale = receipt("R1", member["account_id"], [("P1", "shoes", 1, 500_000)])
    _ok(client.post("/api/v1/till/confirm", json=sale))
    _ok(client.post("/api/v1/ingest/calls", json={"call_id": "CALL1",
        "started_at": clock.now.isoformat(), "caller_number": PHONE, "agent_id": "a1",
        "topic": "complaint", "duration_s": "60", "order_ref": ""}), 201)  # fmt: skip
    resolve_all(engine)
    clock.now = T0 + timedelta(hours=2)
    assert _run(client)["queued"] == {"after-buy": 1, "after-call": 1}
    keys = _keys(engine)
    customer = member["customer_id"]
    assert {k.split("-", 3)[2] for k in keys} == {"order", "contact"}
    assert all(k.endswith(f":{customer}:email:0") for k in keys)
    with engine.connect() as conn:
        texts = conn.scalars(select(CampaignMessage.text)).all()
    assert all("/s/" in text for text in texts)  # the questionnaire's own signed link
    assert _run(client)["queued"] == {"after-buy": 0, "after-call": 0}
