"""A level change after a return or cancel (the till's confirm decides its own in ``sale``)."""

from datetime import datetime

from sqlalchemy.orm import Session

from omnicrm.loyalty import levels, repository
from omnicrm.loyalty.programs import Levels, Program
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyLevelChange,
    LoyaltyOperation,
)


def review_level(
    session: Session,
    program: Program,
    account: LoyaltyAccount,
    operation: LoyaltyOperation | None,
    now: datetime,
) -> str | None:
    """Move the account to the level its qualifying spend earns (subject to the downgrade
    policy) and record why; the new level or None when it stays. After a return of a purchase
    that counted towards the current level, the hold does not protect a level those purchases
    no longer reach (see ``levels.decide``)."""
    if program.levels is None:
        return None
    since = levels.period_start(program.levels.period, now)
    spend = repository.qualifying_spend(session, account.id, since)
    change = levels.decide(
        program.levels,
        account.level,
        account.level_since,
        spend,
        now,
        _earning_spend(session, program.levels, account, operation),
    )
    if change is None:
        return None
    session.add(
        LoyaltyLevelChange(
            account_id=account.id,
            operation_id=operation.id if operation is not None else None,
            from_level=account.level,
            to_level=change.to_level,
            reason=change.reason,
            at=now,
        )
    )
    account.level = change.to_level
    account.level_since = now
    return change.to_level


def _earning_spend(
    session: Session,
    rules: Levels,
    account: LoyaltyAccount,
    operation: LoyaltyOperation | None,
) -> int | None:
    """When ``operation`` undoes a purchase made before the current level was reached: the
    spend that reached it, as it stands after the undo; else None (nothing to re-judge)."""
    reached = account.level_since
    if operation is None or operation.original_id is None or reached is None:
        return None
    bought = session.get(LoyaltyOperation, operation.original_id)
    if bought is None or bought.occurred_at > reached:
        return None
    start = levels.period_start(rules.period, reached)
    return repository.earning_spend(session, account.id, start, reached)
