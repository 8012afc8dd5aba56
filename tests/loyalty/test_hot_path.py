"""The till's hot path (``hotpath``: Core statements, few round trips) against the general path
(``till``'s ORM code, which it falls back to): the same receipts for two identical members, one
on each path, must give the same answers, errors and stored ledger, on both backends."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from loyalty_helpers import T0
from sqlalchemy import Engine, select

from omnicrm.core.errors import OmnicrmError
from omnicrm.loyalty import hotpath, till
from omnicrm.loyalty.enrolment import enrol_member
from omnicrm.loyalty.expiry import rebuild_balance
from omnicrm.loyalty.memberships import join_club, set_card_state
from omnicrm.loyalty.returns import return_receipt
from omnicrm.loyalty.schemas import (
    CalculateRequest,
    EnrolRequest,
    ReceiptRequest,
    ReturnRequest,
)
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyBadge,
    LoyaltyEntry,
    LoyaltyLevelChange,
    LoyaltyLot,
    LoyaltyOperation,
    LoyaltyReceiptLine,
)

DAY = timedelta(days=1)
PHONES = ("+79160000011", "+79160000012")


def _general_path(*_args, **_kwargs):
    raise hotpath.Fallback


def _body(
    n: int, card: str, lines: list[tuple[str, str | None, int, int]], ident=None, **extra
) -> dict:
    return {
        "terminal": "T1",
        "receipt_id": f"R{n}-{card}",
        "identify": ident or {"kind": "card", "value": card},
        "lines": [
            {"line_no": i, "sku": sku, "category": cat, "qty": qty, "price_minor": price}
            for i, (sku, cat, qty, price) in enumerate(lines, start=1)
        ],
        **extra,
    }


def _script(engine: Engine, card: str, account_id: int, phone: str) -> list:
    """Receipts through calculate and confirm (retries, errors, spends, a debt, stamps, a
    challenge, a level upgrade, a partner, an offline upload); what each call answered."""
    out: list = []

    def call(fn: Callable, *args) -> None:
        try:
            out.append(fn(*args))
        except OmnicrmError as exc:
            out.append((type(exc).__name__, exc.message, exc.details))

    def quote(body: dict, now) -> None:
        call(lambda: till.calculate_quote(engine, CalculateRequest.model_validate(body), now))

    def sale(body: dict, now, **kw) -> None:
        call(lambda: till.confirm_receipt(engine, ReceiptRequest.model_validate(body), now, **kw))

    def back(n: int, now, lines=None) -> None:
        request = ReturnRequest(
            terminal="T1", return_id=f"B{n}-{card}", receipt_id=f"R{n}-{card}", lines=lines
        )
        call(lambda: return_receipt(engine, request, now))

    tv = [("TV", "tv", 1, 2_000_000)]
    mixed = [
        ("MILK", "dairy", 2, 9_000),
        ("CAPP", "coffee", 4, 25_000),
        ("LEGO", "toys", 1, 390_000),
        ("CIG", "tobacco", 1, 30_000),
        ("BAG", None, 1, 5_000),
    ]
    quote(_body(1, card, tv), T0)
    sale(_body(1, card, tv), T0)
    sale(_body(1, card, tv), T0)  # a retry: the first answer
    sale(_body(1, card, tv, points_to_spend=1), T0)  # another body: 409
    quote(_body(2, card, mixed, points_to_spend=10_000), T0 + 20 * DAY)
    sale(_body(2, card, mixed, points_to_spend=10_000), T0 + 20 * DAY)  # too many: refused
    sale(_body(2, card, mixed, points_to_spend=400), T0 + 20 * DAY)
    sale(_body(3, card, [("PHONE", "tv", 1, 500_000)], points_to_spend=500), T0 + 21 * DAY)
    back(1, T0 + 22 * DAY)  # the TV's points were spent: a debt
    sale(_body(4, card, [("CAPP", "coffee", 3, 25_000)]), T0 + 23 * DAY)  # repays the debt
    sale(_body(5, card, [("BIKE", "kids", 1, 3_500_000)]), T0 + 24 * DAY)  # a level upgrade
    with unit_of_work(engine) as session:
        join_club(session, account_id, "kids", T0 + 24 * DAY)
    quote(_body(6, card, [("DOLL", "kids", 2, 80_000)]), T0 + 25 * DAY)
    sale(_body(6, card, [("DOLL", "kids", 2, 80_000)], partner="cafe"), T0 + 25 * DAY)
    sale(_body(7, card, [("X", "garden", 1, 1_000)], partner="nope"), T0 + 25 * DAY)
    sale(_body(8, card, mixed, occurred_at=(T0 + 40 * DAY).isoformat()), T0 + 45 * DAY)
    sale(_body(9, card, mixed, points_to_spend=50), T0 + 46 * DAY, offline=True)  # refused
    sale(_body(10, card, [("CAPP", "coffee", 8, 25_000)]), T0 + 50 * DAY)  # free coffee
    with unit_of_work(engine) as session:
        set_card_state(session, account_id, "accrual_only")
    quote(_body(11, card, mixed, points_to_spend=10), T0 + 60 * DAY)
    sale(_body(11, card, mixed, points_to_spend=10), T0 + 60 * DAY)
    sale(_body(12, card, mixed), T0 + 60 * DAY)
    with unit_of_work(engine) as session:
        set_card_state(session, account_id, "blocked")
    sale(_body(13, card, mixed), T0 + 61 * DAY)
    sale(_body(12, card, mixed), T0 + 61 * DAY)  # a retry once blocked: the first answer
    sale(_body(14, "2999999999999", mixed), T0 + 61 * DAY)  # nobody
    for ident in (
        {"kind": "qr", "value": f"CARD:{card}"},
        {"kind": "account", "value": str(account_id)},
        {"kind": "account", "value": "x1"},
        {"kind": "phone", "value": phone},
        {"kind": "qr", "value": "nobody's token"},
    ):
        quote(_body(15, card, mixed, ident=ident), T0 + 62 * DAY)
    return [_anonymous(answer, card) for answer in out]


def _anonymous(value, tag: str):
    """Ids and names that differ between the two members replaced by placeholders."""
    if isinstance(value, dict):
        return {
            k: "<id>" if k in ("operation_id", "account_id") else _anonymous(v, tag)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_anonymous(v, tag) for v in value)
    if isinstance(value, str):
        return value.replace(tag, "<member>")
    return value


def _stored(engine: Engine, account_id: int, card: str) -> dict:
    """Everything the ledger keeps for the account, without its own ids."""
    with read_session(engine) as session:
        account = session.get(LoyaltyAccount, account_id)
        ops = session.scalars(
            select(LoyaltyOperation)
            .where(LoyaltyOperation.account_id == account_id)
            .order_by(LoyaltyOperation.id)
        ).all()
        op_no = {op.id: i for i, op in enumerate(ops)}
        lots = session.scalars(
            select(LoyaltyLot).where(LoyaltyLot.account_id == account_id).order_by(LoyaltyLot.id)
        ).all()
        lot_no = {lot.id: i for i, lot in enumerate(lots)}
        return {
            "account": (
                account.balance,
                account.debt,
                account.level,
                account.level_since,
                account.stamps,
                account.card_state,
            ),
            "operations": [
                (
                    op.kind,
                    op.op_key.replace(card, "<member>"),
                    op.status,
                    op.net_minor,
                    op.points_earned,
                    op.points_spent,
                    op.occurred_at,
                    op.partner,
                    op.program_version,
                    _anonymous(op.response, card),
                )
                for op in ops
            ],
            "lots": [
                (
                    op_no[lot.operation_id],
                    lot.rule,
                    lot.points,
                    lot.remaining,
                    lot.earned_at,
                    lot.available_at,
                    lot.expires_at,
                )
                for lot in lots
            ],
            "entries": [
                (op_no[e.operation_id], lot_no.get(e.lot_id), e.kind, e.points, e.rule, e.at)
                for e in session.scalars(
                    select(LoyaltyEntry)
                    .where(LoyaltyEntry.account_id == account_id)
                    .order_by(LoyaltyEntry.id)
                )
            ],
            "lines": [
                (
                    op_no[r.operation_id],
                    *(r.line_no, r.sku, r.category, r.qty, r.amount_minor, r.discount_minor),
                    *(r.points_spent, r.paid_minor, r.points_earned, r.stamps, r.returned_qty),
                    *(r.revoked_earned, r.refunded_spent, r.refunded_paid),
                )
                for r in session.scalars(
                    select(LoyaltyReceiptLine)
                    .where(LoyaltyReceiptLine.operation_id.in_(op_no))
                    .order_by(LoyaltyReceiptLine.operation_id, LoyaltyReceiptLine.line_no)
                )
            ],
            "badges": [
                (b.challenge, b.period, b.badge, op_no[b.operation_id], b.awarded_at)
                for b in session.scalars(
                    select(LoyaltyBadge).where(LoyaltyBadge.account_id == account_id)
                )
            ],
            "levels": [
                (c.from_level, c.to_level, c.reason, op_no.get(c.operation_id), c.at)
                for c in session.scalars(
                    select(LoyaltyLevelChange)
                    .where(LoyaltyLevelChange.account_id == account_id)
                    .order_by(LoyaltyLevelChange.id)
                )
            ],
        }


def test_hot_path_answers_and_stores_what_the_general_path_does(
    program_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = program_engine
    members = {}
    for tag, phone in zip(("fast", "general"), PHONES, strict=True):
        with unit_of_work(engine) as session:
            members[tag] = enrol_member(
                session, EnrolRequest(channel="till", phone=phone, consents={}), T0
            )
    used = []
    real_confirm = hotpath.confirm
    monkeypatch.setattr(hotpath, "confirm", lambda *a, **k: used.append(1) or real_confirm(*a, **k))
    fast = _script(engine, members["fast"].card_number, members["fast"].account_id, PHONES[0])
    assert len(used) > 10  # the hot path did the work, not the fallback
    monkeypatch.setattr(hotpath, "confirm", _general_path)
    monkeypatch.setattr(hotpath, "calculate", _general_path)
    general = _script(
        engine, members["general"].card_number, members["general"].account_id, PHONES[1]
    )
    for step, (a, b) in enumerate(zip(fast, general, strict=True)):
        assert a == b, f"step {step}"
    stored = [_stored(engine, m.account_id, m.card_number) for m in members.values()]
    assert stored[0] == stored[1]
    for member in members.values():
        assert not rebuild_balance(engine, member.account_id).changed
