"""Club, co-branded card and paid memberships (a VIP plan bought at the till: fee, period,
renewal, lapse), and the member's own operations: donating points to a cause, issuing
identification tokens, the card state."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, FieldError, Forbidden, InvalidRecord
from omnicrm.loyalty import ledger, repository
from omnicrm.loyalty.idempotency import request_hash, run_once, stored_answer
from omnicrm.loyalty.identify import balance_of, resolve_account
from omnicrm.loyalty.ledger import CardState, InsufficientPoints
from omnicrm.loyalty.schemas import (
    DonationOut,
    DonationRequest,
    MembershipOut,
    MembershipRequest,
    TokenRequest,
)
from omnicrm.store.schema.loyalty import LoyaltyMembership, LoyaltyOperation, LoyaltyToken


def _operation(
    account_id: int, kind: str, terminal: str, key: str, digest: str, now: datetime, version: int
) -> LoyaltyOperation:
    return LoyaltyOperation(
        account_id=account_id,
        kind=kind,
        terminal=terminal,
        op_key=key,
        request_hash=digest,
        status="done",
        program_version=version,
        occurred_at=now,
        recorded_at=now,
        response={},
    )


def buy_membership(engine: Engine, request: MembershipRequest, now: datetime | None = None) -> dict:
    """Sell (or renew) a paid plan: a renewal within the grace period extends the current term,
    a later one starts a new term; the plan's perks apply only until it lapses."""
    now = now or utcnow()
    digest = request_hash(request)

    def work(session: Session) -> dict:
        program, version = repository.program_in_force(session, request.program)
        plan = program.paid_plan(request.plan)
        if plan is None:
            raise InvalidRecord([FieldError("plan", f"no paid plan {request.plan!r}")])
        account_id = resolve_account(session, request.identify, program.code)
        account = repository.lock_accounts(session, [account_id])[account_id]
        answer = stored_answer(
            session, request.terminal, "membership", request.operation_id, digest
        )
        if answer is not None:
            return answer
        if account.card_state == CardState.BLOCKED:
            raise Forbidden("the card is blocked")
        operation = _operation(
            account.id, "membership", request.terminal, request.operation_id, digest, now, version
        )
        session.add(operation)
        session.flush()
        held = session.scalar(
            select(LoyaltyMembership).where(
                LoyaltyMembership.account_id == account.id,
                LoyaltyMembership.kind == "paid",
                LoyaltyMembership.plan == plan.code,
            )
        )
        term = timedelta(days=plan.period_days)
        if held is None:
            held = LoyaltyMembership(
                account_id=account.id,
                kind="paid",
                plan=plan.code,
                started_at=now,
                expires_at=now + term,
            )
            session.add(held)
        elif (
            held.expires_at is not None and held.expires_at + timedelta(days=plan.grace_days) >= now
        ):
            held.expires_at = max(held.expires_at, now - timedelta(days=plan.grace_days)) + term
        else:
            held.started_at, held.expires_at = now, now + term
        held.operation_id = operation.id
        session.flush()
        response = MembershipOut(
            operation_id=operation.id,
            account_id=account.id,
            plan=plan.code,
            fee_minor=plan.fee_minor,
            expires_at=held.expires_at,
        )
        operation.response = response.model_dump(mode="json")
        return operation.response

    return run_once(engine, request.terminal, "membership", request.operation_id, digest, work)


def join_club(session: Session, account_id: int, code: str, now: datetime) -> None:
    _join(session, account_id, "club", code, now)


def join_cobrand(session: Session, account_id: int, code: str, now: datetime) -> None:
    """Flag the account as holding the program's co-branded card ``code`` (the partner issued
    it): from now on the till earns and burns by the card's rules."""
    _join(session, account_id, "cobrand", code, now)


def _join(session: Session, account_id: int, kind: str, code: str, now: datetime) -> None:
    account = repository.get_account(session, account_id)
    program, _ = repository.program_in_force(session, account.program_code)
    if (program.club(code) if kind == "club" else program.cobrand(code)) is None:
        raise InvalidRecord([FieldError(kind, f"no {kind} {code!r} in the program")])
    exists = session.scalar(
        select(LoyaltyMembership.id).where(
            LoyaltyMembership.account_id == account_id,
            LoyaltyMembership.kind == kind,
            LoyaltyMembership.plan == code,
        )
    )
    if exists is None:
        session.add(
            LoyaltyMembership(
                account_id=account_id, kind=kind, plan=code, started_at=now, expires_at=None
            )
        )


def donate_points(
    engine: Engine,
    account_id: int,
    request: DonationRequest,
    caller: str,
    now: datetime | None = None,
) -> dict:
    """Give active points to one of the program's causes (spent like a purchase, FIFO)."""
    now = now or utcnow()
    digest = request_hash(request)
    terminal = f"member:{caller}"

    def work(session: Session) -> dict:
        account = repository.lock_accounts(session, [account_id])[account_id]
        answer = stored_answer(session, terminal, "donation", request.operation_id, digest)
        if answer is not None:
            return answer
        program, version = repository.program_in_force(session, account.program_code)
        if program.cause(request.cause) is None:
            raise InvalidRecord([FieldError("cause", f"no cause {request.cause!r}")])
        if account.card_state != CardState.ACTIVE:
            raise Forbidden(f"the card is {account.card_state}: points cannot be spent")
        lots = {lot.id: lot for lot in repository.holding_lots(session, account.id)}
        try:
            moves = ledger.spend(repository.as_lots(lots.values()), request.points, now)
        except InsufficientPoints as exc:
            raise Conflict(f"insufficient points: {exc}") from None
        operation = _operation(
            account.id, "donation", terminal, request.operation_id, digest, now, version
        )
        operation.points_spent = request.points
        session.add(operation)
        session.flush()
        repository.apply_moves(
            session, account, operation, lots, moves, "spend", f"donation:{request.cause}", now
        )
        response = DonationOut(
            operation_id=operation.id,
            account_id=account.id,
            cause=request.cause,
            points=request.points,
            balance=balance_of(session, account, now),
        )
        operation.response = response.model_dump(mode="json")
        return operation.response

    return run_once(engine, terminal, "donation", request.operation_id, digest, work)


def issue_token(session: Session, account_id: int, request: TokenRequest, now: datetime) -> None:
    """Bind a QR, wallet-pass, NFC or biometric token to the account (one owner per token)."""
    repository.get_account(session, account_id)
    owner = session.scalar(
        select(LoyaltyToken.account_id).where(
            LoyaltyToken.kind == request.kind, LoyaltyToken.value == request.value
        )
    )
    if owner is not None and owner != account_id:
        raise Conflict(f"this {request.kind} token belongs to another account")
    if owner is None:
        session.add(
            LoyaltyToken(
                kind=request.kind, value=request.value, account_id=account_id, issued_at=now
            )
        )


def set_card_state(session: Session, account_id: int, state: str) -> None:
    account = repository.lock_accounts(session, [account_id])[account_id]
    account.card_state = CardState(state).value
