"""What a purchase or a return sets off beyond its own points: a level change, the referral
rewards after a friend's first qualifying purchase, and challenge badges with their bonus."""

from datetime import UTC, datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from omnicrm.loyalty import levels, repository
from omnicrm.loyalty.programs import Challenge, Levels, Program
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyBadge,
    LoyaltyLevelChange,
    LoyaltyLot,
    LoyaltyOperation,
    LoyaltyReceiptLine,
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


def after_purchase(
    session: Session,
    program: Program,
    accounts: dict[int, LoyaltyAccount],
    account: LoyaltyAccount,
    operation: LoyaltyOperation,
    paid_minor: int,
    lots: dict[int, LoyaltyLot],
    window: tuple[datetime, datetime | None],
) -> list[tuple[str, int]]:
    """Referral and challenge bonuses this purchase triggers, as (rule, points)."""
    granted: list[tuple[str, int]] = []
    at = operation.occurred_at
    referral = program.referral
    referrer = accounts.get(account.referred_by_id or 0)
    if (
        referral is not None
        and referrer is not None
        and not account.referral_rewarded
        and paid_minor >= referral.min_purchase_minor
    ):
        account.referral_rewarded = True
        repository.grant_points(
            session, account, operation, lots, "referral:friend", referral.friend_points, at, window
        )
        referrer_lots = {lot.id: lot for lot in repository.holding_lots(session, referrer.id)}
        repository.grant_points(
            session,
            referrer,
            operation,
            referrer_lots,
            "referral:referrer",
            referral.referrer_points,
            at,
            window,
        )
        granted.append(("referral:friend", referral.friend_points))
    for challenge in program.challenges:
        if _challenge_met(session, account.id, challenge, at):
            period = at.astimezone(UTC).strftime("%Y-%m")
            session.add(
                LoyaltyBadge(
                    account_id=account.id,
                    challenge=challenge.code,
                    period=period,
                    badge=challenge.badge,
                    operation_id=operation.id,
                    awarded_at=at,
                )
            )
            rule = f"challenge:{challenge.code}"
            repository.grant_points(
                session, account, operation, lots, rule, challenge.bonus_points, at, window
            )
            granted.append((rule, challenge.bonus_points))
    return granted


def _challenge_met(session: Session, account_id: int, challenge: Challenge, at: datetime) -> bool:
    at = at.astimezone(UTC)
    period = at.strftime("%Y-%m")
    if session.scalar(
        select(LoyaltyBadge.id).where(
            LoyaltyBadge.account_id == account_id,
            LoyaltyBadge.challenge == challenge.code,
            LoyaltyBadge.period == period,
        )
    ):
        return False
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    categories = session.scalar(
        select(func.count(distinct(LoyaltyReceiptLine.category)))
        .join(LoyaltyOperation, LoyaltyOperation.id == LoyaltyReceiptLine.operation_id)
        .where(
            LoyaltyOperation.account_id == account_id,
            LoyaltyOperation.kind == "confirm",
            LoyaltyOperation.status == "done",
            LoyaltyOperation.occurred_at >= start,
            LoyaltyOperation.occurred_at < end,
            LoyaltyReceiptLine.returned_qty < LoyaltyReceiptLine.qty,
        )
    )
    return (categories or 0) >= challenge.count
