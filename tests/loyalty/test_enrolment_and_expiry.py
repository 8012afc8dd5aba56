"""Enrolment (consent, SMS verification, no duplicate profiles) and the expiry job."""

from datetime import timedelta

from fastapi.testclient import TestClient
from loyalty_helpers import T0, receipt
from sqlalchemy import Engine, func, select

from omnicrm.loyalty.expiry import expire_points, rebuild_balance
from omnicrm.loyalty.schemas import ReceiptRequest
from omnicrm.loyalty.till import confirm_receipt
from omnicrm.store import migrate
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Consent, Customer, Identifier
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyLot

LOY = "/api/v1/loyalty"


def test_web_enrolment_needs_a_verified_phone(client: TestClient, sms_outbox: list) -> None:
    client.app.state.clock = lambda: T0
    body = {"channel": "web", "phone": "8 916 555-00-11", "consents": {"sms": True, "email": False}}
    assert client.post(f"{LOY}/enrol", json=body).status_code == 422
    sent = client.post(f"{LOY}/enrol/sms-code", json={"phone": "8 916 555-00-11"})
    assert sent.status_code == 200, sent.text
    assert client.post(f"{LOY}/enrol/sms-code", json={"phone": "+79165550011"}).status_code == 429
    phone, code = sms_outbox[-1]
    assert phone == "+79165550011"
    wrong = client.post(
        f"{LOY}/enrol", json={**body, "sms_code": "000000" if code != "000000" else "1"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "sms_code"
    done = client.post(f"{LOY}/enrol", json={**body, "sms_code": code})
    assert done.status_code == 200, done.text
    assert done.json()["created"] is True
    reused = client.post(f"{LOY}/enrol", json={**body, "sms_code": code})
    assert reused.status_code == 422  # a code works once


def test_sms_codes_expire(client: TestClient, sms_outbox: list) -> None:
    client.app.state.clock = lambda: T0
    client.post(f"{LOY}/enrol/sms-code", json={"phone": "+79165550012"})
    client.app.state.clock = lambda: T0 + timedelta(minutes=6)
    body = {
        "channel": "sms",
        "phone": "+79165550012",
        "consents": {},
        "sms_code": sms_outbox[-1][1],
    }
    assert client.post(f"{LOY}/enrol", json=body).status_code == 422


def test_enrolment_resolves_existing_customer_and_records_consent(
    client: TestClient, program_engine: Engine
) -> None:
    with unit_of_work(program_engine) as session:
        known = Customer(source="web", source_key="42", created_at=T0, first_name="Анна")
        session.add(known)
        session.flush()
        session.add(
            Identifier(kind="email", value="anna@mail.ru", customer_id=known.id, first_seen_at=T0)
        )
        known_id = known.id
    body = {
        "channel": "till",
        "email": " Anna@Mail.RU ",
        "phone": "+79165550013",
        "consents": {"email": True},
    }
    first = client.post(f"{LOY}/enrol", json=body).json()
    assert first["customer_id"] == known_id
    assert first["customer_existed"] is True
    second = client.post(f"{LOY}/enrol", json={**body, "email": None}).json()
    assert second["account_id"] == first["account_id"]
    assert second["created"] is False
    with read_session(program_engine) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
        assert session.scalar(select(func.count()).select_from(LoyaltyAccount)) == 1
        consent = session.scalar(select(Consent).where(Consent.customer_id == known_id))
        assert (consent.channel, consent.granted, consent.source) == ("email", True, "loyalty:till")
    found = client.post(
        "/api/v1/till/identify",
        json={"terminal": "T1", "identify": {"kind": "card", "value": first["card_number"]}},
    )
    assert found.json()["customer_id"] == known_id


def test_expiry_burns_soonest_first_in_resumable_batches(
    client: TestClient, program_engine: Engine, enrol
) -> None:
    engine = program_engine
    members = [enrol()["account_id"] for _ in range(3)]
    for n, acc in enumerate(members):
        for k in range(2):  # two lots each, a month apart
            when = T0 + timedelta(days=30 * k)
            body = receipt(f"R{n}{k}", acc, [("TV", "tv", 1, 2_000_000)], at=when)
            confirm_receipt(engine, ReceiptRequest.model_validate(body), when)
    # spend part of the first member's older lot: it must be the one spent (FIFO by expiry)
    spend_at = T0 + timedelta(days=50)
    body = receipt("S", members[0], [("TV", "tv", 1, 2_000_000)], spend=100, at=spend_at)
    confirm_receipt(engine, ReceiptRequest.model_validate(body), spend_at)
    with read_session(engine) as session:
        lots = session.scalars(
            select(LoyaltyLot).where(LoyaltyLot.account_id == members[0]).order_by(LoyaltyLot.id)
        ).all()
        assert [lot.points - lot.remaining for lot in lots][:2] == [100, 0]
    # the first lots expire 14 + 365 days after they were earned; the second ones 30 days later
    now = T0 + timedelta(days=14 + 365 + 1)
    part = expire_points(engine, now, batch=1, max_batches=2)  # killed after two batches
    assert part.lots == 2
    rest = expire_points(engine, now, batch=1)  # the rerun carries on
    assert rest.lots == 1
    assert expire_points(engine, now).lots == 0
    for acc in members:
        assert not rebuild_balance(engine, acc).changed
    state = client.get(f"{LOY}/accounts/{members[0]}/history").json()
    assert any(item["type"] == "expiry" and item["points"] == -850 for item in state["items"])
    assert state["account"]["balance"]["total"] > 0  # the younger lots survive


def test_migration_matches_models(engine: Engine) -> None:
    migrate.check(engine)
