"""Till use cases: calculate (no side effects), confirm, and the offline upload of receipts.
Returns and cancels are in ``returns``. Each write runs once per (terminal, receipt id)."""

from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnicrm.campaigns.till_channel import deliver_at_till, messages_at_till
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import (
    FieldError,
    Forbidden,
    InvalidRecord,
    OmnicrmError,
)
from omnicrm.loyalty import hotpath, ledger, repository, rewards, till_orders
from omnicrm.loyalty.idempotency import request_hash, run_once, stored_answer
from omnicrm.loyalty.identify import balance_of, cart_at_till, resolve_account
from omnicrm.loyalty.ledger import CardState
from omnicrm.loyalty.receipt import Member, Quote
from omnicrm.loyalty.schemas import (
    CalculateRequest,
    ConfirmOut,
    OfflineResult,
    QuoteOut,
    ReasonOut,
    ReceiptRequest,
)
from omnicrm.promotions.pricing import price_request, record_promotions
from omnicrm.store.db import read_session
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyLot,
    LoyaltyOperation,
    LoyaltyReceiptLine,
)


def _member(
    session: Session, account: LoyaltyAccount, lots: list[LoyaltyLot], now: datetime
) -> Member:
    held = repository.memberships_in_force(session, account.id, now)
    return Member(
        card_state=CardState(account.card_state),
        level=account.level,
        spendable=ledger.spendable(repository.as_lots(lots), now),
        stamps=dict(account.stamps or {}),
        clubs=frozenset(held["club"]),
        paid_plans=frozenset(held["paid"]),
    )


def _quote_out(account: LoyaltyAccount, version: int, quote: Quote) -> dict:
    return hotpath.quote_dict(account.id, account.level, version, quote)


def calculate_quote(
    engine: Engine,
    request: CalculateRequest,
    now: datetime | None = None,
    session: Session | None = None,
) -> dict:
    """A quote (``QuoteOut`` as a dict): discounts, points to earn and the most points that may
    pay. Writes nothing. ``session``: a read session to use (e.g. the request's)."""
    now = now or utcnow()
    if session is not None:
        return _calculate(session, request, now)
    with read_session(engine) as own:
        return _calculate(own, request, now)


def _calculate(session: Session, request: CalculateRequest, now: datetime) -> dict:
    quote = _quote(session, request, now)
    cart = cart_at_till(session, quote["account_id"], now)
    shown = messages_at_till(session.connection(), quote["account_id"], now)
    return quote | {
        "cart": cart.model_dump(mode="json") if cart else None,
        "messages": quote["messages"] + shown,
    }


def _quote(session: Session, request: CalculateRequest, now: datetime) -> dict:
    try:
        return hotpath.calculate(session.connection(), request, now)
    except hotpath.Fallback:
        pass
    program, version = repository.program_in_force(session, request.program)
    hotpath.check_partner(program, request.partner)
    account = repository.get_account(
        session, resolve_account(session, request.identify, program.code)
    )
    lots = repository.holding_lots(session, account.id)
    member = _member(session, account, lots, now)
    priced = price_request(session.connection(), program, request, account.id, member, now)
    return _quote_out(account, version, priced.quote) | priced.response()


def calculate_receipt(
    engine: Engine, request: CalculateRequest, now: datetime | None = None
) -> QuoteOut:
    """A quote: discounts, points to earn and the most points that may pay. Writes nothing."""
    return QuoteOut.model_validate(calculate_quote(engine, request, now))


def confirm_receipt(
    engine: Engine,
    request: ReceiptRequest,
    now: datetime | None = None,
    *,
    offline: bool = False,
    conn: Connection | None = None,
) -> dict:
    """Apply a receipt: spend points from active lots, earn pending lots, stamps, level, rewards.
    ``conn``: a PostgreSQL connection in a transaction to continue (see ``hotpath.confirm``); it
    is left without a transaction."""
    now = now or utcnow()
    digest = request_hash(request)
    if offline and request.points_to_spend:
        raise InvalidRecord(
            [FieldError("points_to_spend", "an offline receipt cannot spend points")]
        )
    try:
        return hotpath.confirm(engine, request, digest, now, conn)
    except hotpath.Fallback:
        pass  # not the common case: the general path below
    except IntegrityError:
        # A concurrent twin inserted the same key first: replay it.
        with read_session(engine) as session:
            answer = stored_answer(session, request.terminal, "confirm", request.receipt_id, digest)
        if answer is None:
            raise
        return answer

    def work(session: Session) -> dict:
        program, version = repository.program_in_force(session, request.program)
        hotpath.check_partner(program, request.partner)
        account_id = resolve_account(session, request.identify, program.code)
        peek = repository.get_account(session, account_id)
        ids = {account_id}
        if program.referral and peek.referred_by_id and not peek.referral_rewarded:
            ids.add(peek.referred_by_id)
        accounts = repository.lock_accounts(session, ids)
        account = accounts[account_id]
        answer = stored_answer(session, request.terminal, "confirm", request.receipt_id, digest)
        if answer is not None:
            return answer
        if account.card_state == CardState.BLOCKED:
            raise Forbidden("the card is blocked")
        occurred = request.occurred_at or now
        lots = {lot.id: lot for lot in repository.holding_lots(session, account.id)}
        member = _member(session, account, list(lots.values()), now)
        priced = price_request(
            session.connection(), program, request, account.id, member, now, take=True
        )
        quote = priced.quote
        if quote.points_spent < request.points_to_spend:
            hotpath.refuse_spend(member, quote, request.points_to_spend)

        operation = LoyaltyOperation(
            account_id=account.id,
            kind="confirm",
            terminal=request.terminal,
            op_key=request.receipt_id,
            request_hash=digest,
            status="done",
            program_version=version,
            partner=request.partner,
            net_minor=quote.paid_minor,
            points_earned=quote.points_earned,
            points_spent=quote.points_spent,
            occurred_at=occurred,
            recorded_at=now,
            response={},
        )
        session.add(operation)
        session.flush()
        record_promotions(session.connection(), priced, operation.id, occurred)
        moves = ledger.spend(repository.as_lots(lots.values()), quote.points_spent, now)
        burn_rule = f"burn:partner:{request.partner}" if request.partner else "burn"
        repository.apply_moves(
            session, account, operation, lots, moves, "spend", burn_rule, occurred
        )

        window = ledger.lot_window(
            occurred, program.return_window_days, program.points.lifetime_days
        )
        for rule, points in priced.earned_by_rule().items():
            repository.grant_points(
                session, account, operation, lots, rule, points, occurred, window
            )
        request_lines = {line.line_no: line for line in request.lines}
        session.add_all(
            LoyaltyReceiptLine(
                operation_id=operation.id,
                line_no=p.line_no,
                sku=request_lines[p.line_no].sku,
                category=request_lines[p.line_no].category,
                qty=request_lines[p.line_no].qty,
                amount_minor=p.amount_minor,
                discount_minor=p.discount_minor,
                points_spent=p.points_spent,
                paid_minor=p.paid_minor,
                points_earned=p.points_earned,
                stamps=p.stamps,
            )
            for p in quote.lines
        )
        if quote.stamps_after != (account.stamps or {}):
            account.stamps = dict(quote.stamps_after)
        session.flush()
        till_orders.record_sale(
            session.connection(),
            request,
            quote,
            operation_id=operation.id,
            account_id=account.id,
            point_value_minor=program.point_value_minor,
            currency=program.currency,
            at=occurred,
        )
        rewards.review_level(session, program, account, operation, now)
        bonuses = rewards.after_purchase(
            session, program, accounts, account, operation, quote.paid_minor, lots, window
        )
        response = ConfirmOut(
            **(_quote_out(account, version, quote) | priced.response()),
            operation_id=operation.id,
            receipt_id=request.receipt_id,
            balance=balance_of(session, account, now),
            bonuses=[ReasonOut(rule=rule, amount_minor=points) for rule, points in bonuses],
        ).model_dump(mode="json")
        response["level"] = account.level
        response["messages"] += deliver_at_till(
            session.connection(), account.id, now, f"{request.terminal}/{request.receipt_id}"
        )
        operation.response = response
        return response

    return run_once(engine, request.terminal, "confirm", request.receipt_id, digest, work)


def upload_offline_receipts(
    engine: Engine, receipts: list[ReceiptRequest], now: datetime | None = None
) -> list[OfflineResult]:
    """Receipts a till sold while offline, with their original times: each is confirmed (accrual
    only) on its own, so one bad receipt does not hold back the rest and a re-upload is a no-op."""
    results = []
    for receipt in receipts:
        try:
            body = confirm_receipt(engine, receipt, now, offline=True)
            results.append(OfflineResult(receipt_id=receipt.receipt_id, status=200, body=body))
        except OmnicrmError as exc:
            error = {"code": exc.code, "message": exc.message, "details": exc.details}
            results.append(
                OfflineResult(
                    receipt_id=receipt.receipt_id, status=exc.status, body={"error": error}
                )
            )
    return results
