"""A trigger's audience rule, judged per customer at the event, on both stores: the answer for
one customer equals the mass answer for that customer (a merged profile's consent included),
and a birthday trigger carrying "gold and consent e-mail and balance >= 100" queues messages
for exactly the customers the mass evaluation selects."""

from datetime import date
from pathlib import Path

from sending_fakes import T0, add_customers
from sqlalchemy import Engine, insert, select, update

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns import audiences
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Consent, Customer
from omnicrm.store.schema.campaigns_outbox import CampaignMessage
from omnicrm.store.schema.loyalty import LoyaltyAccount
from support import api_client

RULE = {
    "type": "all",
    "rules": [
        {"type": "level", "levels": ["gold"]},
        {"type": "consent", "channel": "email"},
        {"type": "balance", "min": 100},
    ],
}


def _shop(engine: Engine) -> tuple[list[int], int, int]:
    """29 customers: every third gold, balances 0..280, e-mail consent for the even ones (the
    others refused), except the 13th, who never answered; and a retired profile merged into
    them that holds a granted consent (the rule must follow the merge)."""
    ids = add_customers(engine, 30, consent=None)
    survivor, retired = ids[12], ids[29]
    with engine.begin() as conn:
        conn.execute(update(Customer).values(birth_date=date(1990, T0.month, T0.day)))
        conn.execute(update(Customer).where(Customer.id == retired).values(merged_into_id=survivor))
        conn.execute(
            insert(LoyaltyAccount),
            [
                {"customer_id": c, "program_code": "retail", "card_state": "active",
                 "level": "gold" if i % 3 == 0 else "silver", "balance": 10 * i,
                 "created_at": T0}
                for i, c in enumerate(ids[:29])
            ],
        )  # fmt: skip
        conn.execute(
            insert(Consent),
            [
                {"customer_id": c, "channel": "email", "granted": i % 2 == 0 or c == retired,
                 "recorded_at": T0, "source": "test"}
                for i, c in enumerate(ids)
                if c != survivor
            ],
        )  # fmt: skip
    return ids[:29], survivor, retired


def test_one_customer_at_the_event_is_judged_as_the_mass_judges_them(
    engine: Engine, tmp_path: Path
) -> None:
    live, survivor, _ = _shop(engine)
    snap = Snapshot(tmp_path / "analytics.duckdb")
    snap.refresh(engine)
    db = snap.cursor()
    rule = audiences.parse_rule(RULE)
    with read_session(engine) as session:
        conn = session.connection()
        mass = set(audiences.evaluate(conn, db, rule, T0).tolist())
        one_by_one = {
            c for c in live if audiences.evaluate(conn, db, rule, T0, among=[c]).tolist() == [c]
        }
        together = set(audiences.evaluate(conn, db, rule, T0, among=live).tolist())
    db.close()
    snap.close()
    assert mass == {live[12], live[18], live[24]}  # gold, consent, balance >= 100
    assert survivor in mass  # through the consent of the profile merged into them
    assert one_by_one == mass == together


def test_a_trigger_with_an_audience_queues_only_its_members(engine: Engine, tmp_path: Path) -> None:
    live, _, _ = _shop(engine)
    with unit_of_work(engine) as session:
        save_program(session, read_program_file(EXAMPLES / "retail.json"))
    client = api_client(engine)
    client.app.state.clock = lambda: T0  # type: ignore[attr-defined]
    client.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    body = {"code": "bday", "name": "Birthday", "kind": "birthday", "channel": "email",
            "subject": "Happy birthday", "text": "Hi {{ first_name }}"}  # fmt: skip
    bad = client.post("/api/v1/campaigns/triggers", json={**body, "audience": {
        "type": "level", "levels": ["platinum"]}})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "audience.levels[0]"
    made = client.post("/api/v1/campaigns/triggers", json={**body, "audience": RULE})
    assert made.status_code == 201, made.text
    assert made.json()["audience"]["rules"][2]["min"] == 100
    ran = client.post("/api/v1/campaigns/triggers/run")
    assert ran.status_code == 200, ran.text
    snap = Snapshot(tmp_path / "check.duckdb")
    snap.refresh(engine)
    db = snap.cursor()
    with read_session(engine) as session:
        mass = set(
            audiences.evaluate(session.connection(), db, audiences.parse_rule(RULE), T0).tolist()
        )
    db.close()
    snap.close()
    with engine.connect() as conn:
        queued = set(conn.scalars(select(CampaignMessage.customer_id)))
    assert queued == mass & set(live)
    assert queued
