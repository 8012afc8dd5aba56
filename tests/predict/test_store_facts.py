"""What only the operational store holds, as it stood at a cut-off, on both databases: the points
balance and the points about to expire rebuilt from ledger entries, the level, complaints and the
newest survey scores."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from omnicrm.predict.features import store_facts
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer, Event
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLevelChange,
    LoyaltyLot,
    LoyaltyOperation,
)

NOW = datetime(2025, 10, 1, 10, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _ledger(s: Session, account: int, points: int, at: datetime) -> int:
    """A till operation for one ledger entry; its id."""
    op = LoyaltyOperation(
        account_id=account,
        kind="receipt",
        terminal="T1",
        op_key=f"op-{account}-{points}-{at:%s}",
        request_hash="x",
        status="done",
        occurred_at=at,
        recorded_at=at,
        response={},
    )
    s.add(op)
    s.flush()
    return op.id


def _build(s: Session) -> tuple[int, int]:
    a, b = (Customer(source="members", source_key=k, created_at=ago(400)) for k in "AB")
    s.add_all([a, b])
    s.flush()
    acc = LoyaltyAccount(
        customer_id=a.id,
        program_code="main",
        card_state="active",
        level="silver",
        balance=450,
        created_at=ago(300),
    )
    s.add(acc)
    s.flush()
    lots = []
    for points, earned, expires in ((200, 100, NOW + timedelta(days=10)), (300, 60, None)):
        op = _ledger(s, acc.id, points, ago(earned))
        lot = LoyaltyLot(
            account_id=acc.id,
            operation_id=op,
            rule="base",
            points=points,
            remaining=points,
            earned_at=ago(earned),
            available_at=ago(earned),
            expires_at=expires,
        )
        s.add(lot)
        s.flush()
        s.add(
            LoyaltyEntry(
                account_id=acc.id,
                operation_id=op,
                lot_id=lot.id,
                kind="earn",
                points=points,
                rule="base",
                at=ago(earned),
            )
        )
        lots.append(lot)
    spend = _ledger(s, acc.id, -50, ago(5))
    s.add(
        LoyaltyEntry(
            account_id=acc.id,
            operation_id=spend,
            lot_id=lots[0].id,
            kind="spend",
            points=-50,
            rule="spend",
            at=ago(5),
        )
    )
    s.add(
        LoyaltyLevelChange(
            account_id=acc.id, from_level=None, to_level="silver", reason="upgrade", at=ago(30)
        )
    )
    for n, (kind, when, attrs) in enumerate(
        (
            ("call", ago(20), {"topic": "complaint"}),
            ("call", ago(25), {"topic": "question"}),
            ("call", ago(400), {"topic": "complaint"}),  # more than a year before now
            ("survey_answer", ago(40), {"survey": "nps", "score": 3}),
            ("survey_answer", ago(10), {"survey": "nps", "score": 9}),
            ("survey_answer", NOW + timedelta(days=1), {"survey": "nps", "score": 0}),  # later
            ("survey_answer", ago(12), {"survey": "csi", "score": 4.5}),
        )
    ):
        s.add(
            Event(
                source="t",
                source_key=f"e{n}",
                kind=kind,
                channel="call_centre",
                occurred_at=when,
                customer_id=b.id,
                attrs=attrs,
            )
        )
    s.flush()
    return a.id, b.id


@pytest.fixture
def people(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as s:
        return _build(s)


def test_as_of_now(engine: Engine, people: tuple[int, int]) -> None:
    a, b = people
    facts = {r["customer_id"]: r for r in store_facts(engine, NOW).to_pylist()}
    assert facts[a]["points_balance"] == 450
    assert facts[a]["points_expiring_30"] == 150  # the lot of 200 less the 50 spent from it
    assert facts[a]["points_expire_in_days"] == pytest.approx(10)
    assert (facts[a]["has_level"], facts[a]["level_changes_365"]) == (1, 1)
    assert facts[b]["complaints_365"] == 1
    assert (facts[b]["nps_last"], facts[b]["csi_last"]) == (9, 4.5)
    assert facts[b]["survey_answers_365"] == 3


def test_as_of_a_past_cut_off(engine: Engine, people: tuple[int, int]) -> None:
    a, b = people
    facts = {r["customer_id"]: r for r in store_facts(engine, ago(80)).to_pylist()}
    assert facts[a]["points_balance"] == 200
    assert facts[a]["points_expiring_30"] == 0  # expires 90 days after this cut-off
    assert facts[a]["points_expire_in_days"] is None
    assert a not in facts or facts[a]["has_level"] == 0
    # The complaint 400 days before now is within the year before this cut-off; the rest came later.
    assert facts[b]["complaints_365"] == 1
    assert (facts[b]["nps_last"], facts[b]["survey_answers_365"]) == (None, 0)
