"""Two (or eight) tills spending the same points at once: exactly one wins, on both backends."""

import threading
from datetime import timedelta

from loyalty_helpers import T0, receipt
from sqlalchemy import Engine

from omnicrm.core.errors import Conflict
from omnicrm.loyalty.enrolment import enrol_member
from omnicrm.loyalty.expiry import rebuild_balance
from omnicrm.loyalty.schemas import EnrolRequest, ReceiptRequest
from omnicrm.loyalty.till import confirm_receipt
from omnicrm.store.db import unit_of_work

TILLS = 8


def test_parallel_tills_cannot_spend_the_same_points_twice(program_engine: Engine) -> None:
    engine = program_engine
    with unit_of_work(engine) as session:
        acc = enrol_member(
            session, EnrolRequest(channel="till", phone="+79160000001", consents={}), T0
        ).account_id
    # 2 000 000 paid at 5 % = 1 000 points (after the 5 % level discount: 950)
    confirm_receipt(
        engine, ReceiptRequest.model_validate(receipt("R0", acc, [("TV", "tv", 1, 2_000_000)])), T0
    )
    now = T0 + timedelta(days=30)
    barrier = threading.Barrier(TILLS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def till(n: int) -> None:
        body = ReceiptRequest.model_validate(
            receipt(f"R{n}", acc, [("TV", "tv", 1, 2_000_000)], spend=950, terminal=f"T{n}")
        )
        barrier.wait()
        try:
            confirm_receipt(engine, body, now)
            result = "won"
        except Conflict:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=till, args=(n,)) for n in range(TILLS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["refused"] * (TILLS - 1) + ["won"]
    rebuilt = rebuild_balance(engine, acc)
    assert not rebuilt.changed
    assert rebuilt.debt == 0


def test_parallel_retries_of_one_receipt_apply_once(program_engine: Engine) -> None:
    engine = program_engine
    with unit_of_work(engine) as session:
        acc = enrol_member(
            session, EnrolRequest(channel="till", phone="+79160000002", consents={}), T0
        ).account_id
    body = ReceiptRequest.model_validate(receipt("R1", acc, [("TV", "tv", 1, 2_000_000)]))
    barrier = threading.Barrier(TILLS)
    answers: list[dict] = []

    def till() -> None:
        barrier.wait()
        answers.append(confirm_receipt(engine, body, T0))

    threads = [threading.Thread(target=till) for _ in range(TILLS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == TILLS
    assert all(answer == answers[0] for answer in answers)
    assert rebuild_balance(engine, acc).balance == answers[0]["points_earned"]
