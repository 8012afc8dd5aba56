"""Batch jobs over the ledger: burning expired lots, and re-deriving the cached figures.

``expire_points`` works in batches, each one transaction: a batch takes the next expired lots that
still hold points (soonest expiry first), locks their accounts in primary-key order, burns the lots
and lowers the balances. Killed half-way, it leaves whole batches only, and a rerun carries on
from what still holds points, so no lot is burnt twice."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from omnicrm.loyalty import ledger
from omnicrm.loyalty.ledger import Move
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLot,
    LoyaltyOperation,
)

TERMINAL = "system:expiry"


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    batches: int
    lots: int
    points: int
    accounts: int


def expire_points(
    engine: Engine, now: datetime, batch: int = 5000, max_batches: int | None = None
) -> ExpiryReport:
    """Burn every lot expired by ``now``; ``max_batches`` stops early (the rest on a rerun)."""
    batches = lots = points = 0
    accounts: set[int] = set()
    while max_batches is None or batches < max_batches:
        with unit_of_work(engine) as session:
            done = _expire_batch(session, now, batch)
        if done is None:
            break
        batches += 1
        lots += done[0]
        points += done[1]
        accounts |= done[2]
    return ExpiryReport(batches, lots, points, len(accounts))


def _expire_batch(session: Session, now: datetime, size: int) -> tuple[int, int, set[int]] | None:
    due = session.execute(
        select(LoyaltyLot.id, LoyaltyLot.account_id)
        .where(LoyaltyLot.expires_at <= now, LoyaltyLot.remaining > 0)
        .order_by(LoyaltyLot.expires_at, LoyaltyLot.id)
        .limit(size)
    ).all()
    if not due:
        return None
    account_ids = sorted({row.account_id for row in due})
    # Lock in primary-key order, as every other writer does (one statement, ordered).
    session.execute(
        select(LoyaltyAccount.id)
        .where(LoyaltyAccount.id.in_(account_ids))
        .order_by(LoyaltyAccount.id)
        .with_for_update()
    ).all()
    rows = session.execute(  # re-read under the locks: a till may have spent some meanwhile
        select(
            LoyaltyLot.id,
            LoyaltyLot.account_id,
            LoyaltyLot.remaining,
            LoyaltyLot.available_at,
            LoyaltyLot.expires_at,
        ).where(LoyaltyLot.id.in_([row.id for row in due]))
    ).all()
    by_account: dict[int, list[ledger.Lot]] = {}
    for r in rows:
        by_account.setdefault(r.account_id, []).append(
            ledger.Lot(r.id, r.remaining, r.available_at, r.expires_at)
        )
    moves: list[tuple[int, Move]] = [
        (account_id, move)
        for account_id, account_lots in by_account.items()
        for move in ledger.expiring(account_lots, now)
    ]
    if not moves:
        return 0, 0, set()
    operation = LoyaltyOperation(
        account_id=None,
        kind="expire",
        terminal=TERMINAL,
        op_key=f"{now.isoformat()}#{moves[0][1].lot_id}",
        request_hash="",
        status="done",
        occurred_at=now,
        recorded_at=now,
        response={"lots": len(moves)},
    )
    session.add(operation)
    session.flush()
    session.execute(
        insert(LoyaltyEntry),
        [
            {
                "account_id": account_id,
                "operation_id": operation.id,
                "lot_id": move.lot_id,
                "kind": "expire",
                "points": move.points,
                "rule": "expiry:fifo",
                "at": now,
            }
            for account_id, move in moves
        ],
    )
    session.connection().execute(
        update(LoyaltyLot.__table__)
        .where(LoyaltyLot.__table__.c.id == bindparam("lot"))
        .values(remaining=0),
        [{"lot": move.lot_id} for _, move in moves],
    )
    burnt: dict[int, int] = {}
    for account_id, move in moves:
        burnt[account_id] = burnt.get(account_id, 0) - move.points
    session.connection().execute(
        update(LoyaltyAccount.__table__)
        .where(LoyaltyAccount.__table__.c.id == bindparam("acc"))
        .values(balance=LoyaltyAccount.__table__.c.balance - bindparam("pts")),
        [{"acc": a, "pts": p} for a, p in burnt.items()],
    )
    return len(moves), sum(burnt.values()), set(burnt)


@dataclass(frozen=True, slots=True)
class Rebuilt:
    account_id: int
    balance: int
    debt: int
    changed: bool


def rebuild_balance(engine: Engine, account_id: int) -> Rebuilt:
    """Re-derive the account's balance, debt and its lots' remaining points from the entries and
    put them right if a cache drifted; ``changed`` says whether anything was wrong."""
    with unit_of_work(engine) as session:
        account = session.scalar(
            select(LoyaltyAccount).where(LoyaltyAccount.id == account_id).with_for_update()
        )
        if account is None:
            from omnicrm.core.errors import NotFound

            raise NotFound(f"no loyalty account {account_id}")
        moves = [
            Move(lot_id, int(points))
            for lot_id, points in session.execute(
                select(LoyaltyEntry.lot_id, func.sum(LoyaltyEntry.points))
                .where(LoyaltyEntry.account_id == account_id)
                .group_by(LoyaltyEntry.lot_id)
            )
        ]
        totals = ledger.totals(moves)
        changed = (account.balance, account.debt) != (totals.balance, totals.debt)
        account.balance, account.debt = totals.balance, totals.debt
        for lot in session.scalars(select(LoyaltyLot).where(LoyaltyLot.account_id == account_id)):
            derived = totals.lots.get(lot.id, 0)
            if lot.remaining != derived:
                lot.remaining = derived
                changed = True
        return Rebuilt(account_id, totals.balance, totals.debt, changed)
