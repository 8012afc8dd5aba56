"""Property tests: random sequences of earn, spend, return, cancel, expiry and replays keep the
ledger's invariants on both backends."""

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from loyalty_helpers import T0, receipt
from sqlalchemy import Engine, func, select

from omnicrm.core.errors import OmnicrmError
from omnicrm.loyalty.enrolment import enrol_member
from omnicrm.loyalty.expiry import expire_points, rebuild_balance
from omnicrm.loyalty.returns import cancel_receipt, return_receipt
from omnicrm.loyalty.schemas import (
    CalculateRequest,
    CancelRequest,
    EnrolRequest,
    ReceiptRequest,
    ReturnRequest,
)
from omnicrm.loyalty.till import calculate_receipt, confirm_receipt
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLot,
    LoyaltyReceiptLine,
)

SERIAL = itertools.count()

line = st.tuples(
    st.sampled_from(["A", "B", "C"]),
    st.sampled_from(["dairy", "toys", "coffee", "tobacco"]),
    st.integers(1, 4),
    st.integers(1, 300_000),
)
step = st.one_of(
    st.tuples(st.just("buy"), st.lists(line, min_size=1, max_size=3), st.integers(0, 3000)),
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(1, 4)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("replay"), st.integers(0, 20)),
    st.tuples(st.just("wait"), st.integers(1, 400)),
)


def check_invariants(engine: Engine, account_id: int) -> None:
    with read_session(engine) as session:
        account = session.get(LoyaltyAccount, account_id)
        total = session.scalar(
            select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
                LoyaltyEntry.account_id == account_id
            )
        )
        debt = -session.scalar(
            select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
                LoyaltyEntry.account_id == account_id, LoyaltyEntry.lot_id.is_(None)
            )
        )
        assert account.balance == total
        assert account.debt == debt >= 0
        lots = session.scalars(select(LoyaltyLot).where(LoyaltyLot.account_id == account_id)).all()
        for lot in lots:
            derived = session.scalar(
                select(func.sum(LoyaltyEntry.points)).where(LoyaltyEntry.lot_id == lot.id)
            )
            assert lot.remaining == derived
            assert 0 <= lot.remaining <= lot.points
        held = sum(lot.remaining for lot in lots)
        assert account.balance == held - account.debt
        assert account.balance >= 0 or account.debt > 0
        assert account.debt == 0 or held == 0, "a debt is repaid before points are kept"
        for row in session.scalars(select(LoyaltyReceiptLine)):
            # a return never nets a gain: at least the share of earned points is taken back,
            # at most the share of spent points and money is given back
            assert row.revoked_earned * row.qty >= row.points_earned * row.returned_qty
            assert row.refunded_spent * row.qty <= row.points_spent * row.returned_qty
            assert row.refunded_paid * row.qty <= row.paid_minor * row.returned_qty
            if row.returned_qty == row.qty:
                assert row.revoked_earned == row.points_earned
                assert row.refunded_spent == row.points_spent


def entry_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(LoyaltyEntry))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_random_operations_keep_the_ledger_consistent(program_engine: Engine, steps) -> None:
    engine = program_engine
    with unit_of_work(engine) as session:
        member = enrol_member(
            session, EnrolRequest(channel="till", email=f"p{next(SERIAL)}@x.ru", consents={}), T0
        )
    acc = member.account_id
    now = T0
    done: list[tuple[str, object, dict]] = []
    refused: list[int] = []
    sales: list[str] = []
    opening = [("buy", [("A", "dairy", 2, 500_000)], 0), ("wait", 20)]
    for n, op in enumerate([*opening, *steps]):
        try:
            if op[0] == "buy":
                quote = calculate_receipt(
                    engine,
                    CalculateRequest.model_validate(receipt("Q", acc, op[1], spend=None, at=now)),
                    now,
                )
                spend = min(op[2], quote.max_points_to_spend) if op[2] % 2 else op[2]
                body = ReceiptRequest.model_validate(
                    receipt(f"S{n}-{acc}", acc, op[1], spend=spend, at=now)
                )
                answer = confirm_receipt(engine, body, now)
                done.append(("buy", body, answer))
                sales.append(body.receipt_id)
            elif op[0] == "return" and sales:
                sale = sales[op[1] % len(sales)]
                body = ReturnRequest(
                    terminal="T1",
                    return_id=f"RT{n}-{acc}",
                    receipt_id=sale,
                    lines=[{"line_no": 1, "qty": op[2]}],
                    occurred_at=now,
                )
                done.append(("return", body, return_receipt(engine, body, now)))
            elif op[0] == "cancel" and sales:
                body = CancelRequest(terminal="T1", receipt_id=sales[op[1] % len(sales)])
                done.append(("cancel", body, cancel_receipt(engine, body, now)))
            elif op[0] == "replay" and done:
                kind, body, answer = done[op[1] % len(done)]
                before = entry_count(engine)
                run = {"buy": confirm_receipt, "return": return_receipt, "cancel": cancel_receipt}
                assert run[kind](engine, body, now) == answer
                assert entry_count(engine) == before
            elif op[0] == "wait":
                now += timedelta(days=op[1])
                expire_points(engine, now, batch=2)
        except OmnicrmError as exc:
            refused.append(exc.status)
        check_invariants(engine, acc)
    assert set(refused) <= {404, 409, 422}, refused
    event(f"done={min(len(done), 5)} refused={min(len(refused), 3)}")
    assert not rebuild_balance(engine, acc).changed
