"""Returns (full or partial, line by line) and cancels of confirmed receipts.

A return undoes what the original sale did on each returned line, with the figures stored when it
was sold (its rules and program version): earned points are revoked (a debt is recorded when they
are already spent), spent points go back to the lots they came from, stamps are taken back."""

from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord, NotFound
from omnicrm.loyalty import ledger, repository, rewards, till_orders
from omnicrm.loyalty.idempotency import request_hash, run_once, stored_answer
from omnicrm.loyalty.identify import balance_of
from omnicrm.loyalty.ledger import Move
from omnicrm.loyalty.pricing import pricing
from omnicrm.loyalty.receipt import SoldLine, return_line
from omnicrm.loyalty.schemas import CancelRequest, ReturnRequest, UndoLineOut, UndoOut
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLot,
    LoyaltyOperation,
    LoyaltyReceiptLine,
)


def _original(session: Session, terminal: str, receipt_id: str) -> LoyaltyOperation:
    original = session.scalar(
        select(LoyaltyOperation).where(
            LoyaltyOperation.terminal == terminal,
            LoyaltyOperation.kind == "confirm",
            LoyaltyOperation.op_key == receipt_id,
        )
    )
    if original is None:
        raise NotFound(f"no confirmed receipt {receipt_id!r} from terminal {terminal!r}")
    return original


def _spent_per_lot(session: Session, original: LoyaltyOperation) -> list[Move]:
    """Points the sale still has spent from each lot (spends minus earlier refunds)."""
    related = select(LoyaltyOperation.id).where(LoyaltyOperation.original_id == original.id)
    rows = session.execute(
        select(LoyaltyEntry.lot_id, func.sum(LoyaltyEntry.points), func.min(LoyaltyEntry.id))
        .where(
            (LoyaltyEntry.operation_id == original.id) | LoyaltyEntry.operation_id.in_(related),
            LoyaltyEntry.kind.in_(("spend", "refund")),
            LoyaltyEntry.account_id == original.account_id,
        )
        .group_by(LoyaltyEntry.lot_id)
        .order_by(func.min(LoyaltyEntry.id))
    ).all()
    return [Move(lot_id, int(points)) for lot_id, points, _ in rows if points < 0]


def _undo(
    session: Session,
    account: LoyaltyAccount,
    original: LoyaltyOperation,
    wanted: dict[int, int] | None,
    operation: LoyaltyOperation,
    now: datetime,
) -> UndoOut:
    sold = {
        row.line_no: row
        for row in session.scalars(
            select(LoyaltyReceiptLine)
            .where(LoyaltyReceiptLine.operation_id == original.id)
            .order_by(LoyaltyReceiptLine.line_no)
        )
    }
    if wanted is None:
        wanted = {no: row.qty - row.returned_qty for no, row in sold.items()}
    problems = []
    for i, (no, qty) in enumerate(wanted.items()):
        if no not in sold:
            problems.append(FieldError(f"lines[{i}].line_no", f"the receipt has no line {no}"))
        elif qty > sold[no].qty - sold[no].returned_qty:
            left = sold[no].qty - sold[no].returned_qty
            problems.append(FieldError(f"lines[{i}].qty", f"only {left} left to return"))
    if problems:
        raise InvalidRecord(problems)

    out_lines, revoke, refund, refund_paid, stamps_back = [], 0, 0, 0, {}
    returned_lines = []  # (line_no, qty, qty returned before) for the order history
    for no, qty in wanted.items():
        if qty == 0:
            continue
        row = sold[no]
        returned_lines.append((no, qty, row.returned_qty))
        undo = return_line(
            SoldLine(
                row.qty,
                row.paid_minor,
                row.points_earned,
                row.points_spent,
                row.stamps,
                row.returned_qty,
                row.revoked_earned,
                row.refunded_spent,
                row.refunded_paid,
            ),
            qty,
        )
        row.returned_qty += qty
        row.revoked_earned += undo.revoke_earned
        row.refunded_spent += undo.refund_spent
        row.refunded_paid += undo.refund_paid
        revoke += undo.revoke_earned
        refund += undo.refund_spent
        refund_paid += undo.refund_paid
        stamps_back[(row.sku, row.category)] = (
            stamps_back.get((row.sku, row.category), 0) + undo.revoke_stamps
        )
        out_lines.append(
            UndoLineOut(
                line_no=no,
                qty=qty,
                points_revoked=undo.revoke_earned,
                points_refunded=undo.refund_spent,
                refund_minor=undo.refund_paid,
            )
        )

    spent = _spent_per_lot(session, original)
    earned_lots = list(
        session.scalars(
            select(LoyaltyLot.id)
            .where(LoyaltyLot.operation_id == original.id, LoyaltyLot.account_id == account.id)
            .where(LoyaltyLot.rule.not_like("referral:%"), LoyaltyLot.rule.not_like("challenge:%"))
            .order_by(LoyaltyLot.id)
        )
    )
    touched = [m.lot_id for m in spent if m.lot_id is not None] + earned_lots
    lots = {lot.id: lot for lot in repository.holding_lots(session, account.id, also=touched)}
    at = operation.occurred_at
    repository.apply_moves(
        session,
        account,
        operation,
        lots,
        ledger.give_back(spent, refund),
        "refund",
        f"{operation.kind}:refund_spent",
        at,
    )
    repository.settle_debt(session, account, operation, lots, at)
    taken = ledger.take_back(repository.as_lots(lots.values()), revoke, first=earned_lots)
    debt = -sum(m.points for m in taken if m.lot_id is None)
    repository.apply_moves(
        session, account, operation, lots, taken, "revoke", f"{operation.kind}:revoke_earned", at
    )
    _take_back_stamps(account, stamps_back, original)
    returned = {no: (row.returned_qty, row.qty) for no, row in sold.items()}
    pricing().give_back_for_return(session.connection(), original.id, returned, at)
    if operation.kind == "cancel":
        till_orders.record_cancel(session.connection(), original.id, at)
    else:
        till_orders.record_return(
            session.connection(),
            original.id,
            terminal=operation.terminal,
            return_id=operation.op_key,
            lines=returned_lines,
            at=at,
        )

    operation.net_minor = -refund_paid
    operation.points_earned = -revoke
    operation.points_spent = -refund
    if all(row.returned_qty == row.qty for row in sold.values()):
        original.status = "cancelled" if operation.kind == "cancel" else "returned"
    session.flush()
    return UndoOut(
        operation_id=operation.id,
        kind=operation.kind,
        account_id=account.id,
        receipt_id=original.op_key,
        program_version=original.program_version or 0,
        lines=out_lines,
        points_revoked=revoke,
        points_refunded=refund,
        refund_minor=refund_paid,
        debt_recorded=debt,
        balance=balance_of(session, account, now),
    )


def _take_back_stamps(
    account: LoyaltyAccount, back: dict[tuple[str, str | None], int], original: LoyaltyOperation
) -> None:
    if not any(back.values()):
        return
    program_cards = (original.response or {}).get("stamps_after", {})
    stamps = dict(account.stamps or {})
    total = sum(back.values())
    for code in program_cards:  # stamps of this receipt come off the cards it stamped
        take = min(stamps.get(code, 0), total)
        stamps[code] = stamps.get(code, 0) - take
        total -= take
    account.stamps = stamps


def _run_undo(
    engine: Engine,
    kind: str,
    terminal: str,
    key: str,
    digest: str,
    original_terminal: str,
    receipt_id: str,
    wanted: dict[int, int] | None,
    occurred_at: datetime | None,
    now: datetime,
) -> dict:
    def work(session: Session) -> dict:
        original = _original(session, original_terminal, receipt_id)
        account = repository.lock_accounts(session, [original.account_id])[original.account_id]
        answer = stored_answer(session, terminal, kind, key, digest)
        if answer is not None:
            return answer
        session.refresh(original)
        if original.status == "cancelled":
            raise Conflict(f"receipt {receipt_id!r} was cancelled")
        if kind == "cancel" and original.status == "returned":
            raise Conflict(f"receipt {receipt_id!r} was already returned in full")
        program, _ = repository.program_in_force(session, account.program_code)
        operation = LoyaltyOperation(
            account_id=account.id,
            kind=kind,
            terminal=terminal,
            op_key=key,
            request_hash=digest,
            status="done",
            program_version=original.program_version,
            original_id=original.id,
            partner=original.partner,
            occurred_at=occurred_at or now,
            recorded_at=now,
            response={},
        )
        session.add(operation)
        session.flush()
        result = _undo(session, account, original, wanted, operation, now)
        rewards.review_level(session, program, account, operation, now)
        response = result.model_dump(mode="json")
        operation.response = response
        return response

    return run_once(engine, terminal, kind, key, digest, work)


def return_receipt(engine: Engine, request: ReturnRequest, now: datetime | None = None) -> dict:
    """Return some lines (or the whole receipt) of a confirmed sale."""
    wanted = None
    if request.lines is not None:
        wanted = {}
        for line in request.lines:
            wanted[line.line_no] = wanted.get(line.line_no, 0) + line.qty
    return _run_undo(
        engine,
        "return",
        request.terminal,
        request.return_id,
        request_hash(request),
        request.receipt_terminal or request.terminal,
        request.receipt_id,
        wanted,
        request.occurred_at,
        now or utcnow(),
    )


def cancel_receipt(engine: Engine, request: CancelRequest, now: datetime | None = None) -> dict:
    """Undo whatever of a confirmed receipt is not yet returned, and mark it cancelled."""
    return _run_undo(
        engine,
        "cancel",
        request.terminal,
        request.receipt_id,
        request_hash(request),
        request.receipt_terminal or request.terminal,
        request.receipt_id,
        None,
        request.occurred_at,
        now or utcnow(),
    )
