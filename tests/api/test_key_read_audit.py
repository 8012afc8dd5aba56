"""Reads of personal data through API keys are audited (S2): which key read what of whom, when;
a search is recorded without the searched value; an unanswered read is not."""

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import ApiKey, Customer, Identifier
from omnicrm.store.schema.staff import StaffAuditEntry
from omnicrm.web.audit import recent
from support import api_client

T0 = datetime(2025, 1, 1, tzinfo=UTC)
PHONE = "+79162206393"


def test_each_answered_read_by_a_key_is_recorded(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        anna = Customer(source="members", source_key="1", created_at=T0, first_name="Анна")
        session.add(anna)
        session.flush()
        session.add(Identifier(kind="phone", value=PHONE, customer_id=anna.id, first_seen_at=T0))
        anna_id = anna.id
    client = api_client(engine, ("customers:read",))
    client.app.state.clock = lambda: T0
    base = f"/api/v1/customers/{anna_id}"
    for path in (base, f"{base}/orders", f"{base}/events"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/customers", params={"q": PHONE}).status_code == 200
    assert client.get("/api/v1/customers/999999").status_code == 404
    with read_session(engine) as session:
        key_name = session.scalar(select(ApiKey.name))
        rows = session.execute(
            select(
                StaffAuditEntry.key_id,
                StaffAuditEntry.user_id,
                StaffAuditEntry.action,
                StaffAuditEntry.subject,
                StaffAuditEntry.at,
            ).order_by(StaffAuditEntry.id)
        ).all()
        shown = recent(session, subject=f"customer:{anna_id}")
    key_id = rows[0].key_id
    assert key_id is not None
    assert [(r.key_id, r.user_id, r.action, r.subject, r.at) for r in rows] == [
        (key_id, None, "read_customer", f"customer:{anna_id}", T0),
        (key_id, None, "read_customer_orders", f"customer:{anna_id}", T0),
        (key_id, None, "read_customer_events", f"customer:{anna_id}", T0),
        (key_id, None, "search_customers", "customers", T0),
    ]
    assert {line.username for line in shown} == {f"key:{key_name}"}
    assert len(shown) == 3


def test_a_keys_export_of_a_persons_data_is_audited_and_an_erasure_is_not_a_read(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        anna = Customer(source="members", source_key="1", created_at=T0, first_name="Анна")
        session.add(anna)
        session.flush()
        anna_id = anna.id
    client = api_client(engine, ("privacy:manage",))
    assert client.get(f"/api/v1/privacy/customers/{anna_id}/export").status_code == 200
    erased = client.post(f"/api/v1/privacy/customers/{anna_id}/erase", json={"reason": "asked"})
    assert erased.status_code == 200, erased.text
    with read_session(engine) as session:
        rows = session.execute(
            select(StaffAuditEntry.action, StaffAuditEntry.subject).order_by(StaffAuditEntry.id)
        ).all()
    assert [tuple(r) for r in rows] == [("read_customer_export", f"customer:{anna_id}")]
