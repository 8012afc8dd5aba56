"""A member's balance history: visits and purchases, accruals, redemptions, returns, expiries,
bonuses, level changes and badges, each with the reason (the rule) behind it."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.loyalty import repository
from omnicrm.loyalty.account_view import account_view
from omnicrm.loyalty.schemas import HistoryItem, HistoryOut
from omnicrm.store.schema.loyalty import (
    LoyaltyBadge,
    LoyaltyEntry,
    LoyaltyLevelChange,
    LoyaltyOperation,
)

ENTRY_TYPES = {
    "earn": "accrual",
    "spend": "redemption",
    "refund": "redemption_refunded",
    "revoke": "accrual_revoked",
    "expire": "expiry",
    "debt": "debt",
    "debt_repay": "debt_repaid",
}


def account_history(
    session: Session, account_id: int, now: datetime, limit: int = 500
) -> HistoryOut:
    account = repository.get_account(session, account_id)
    program, _ = repository.program_in_force(session, account.program_code)
    items: list[HistoryItem] = []
    operations = session.execute(
        select(LoyaltyOperation)
        .where(LoyaltyOperation.account_id == account_id)
        .order_by(LoyaltyOperation.occurred_at.desc(), LoyaltyOperation.id.desc())
        .limit(limit)
    ).scalars()
    for op in operations:
        if op.kind == "confirm":
            items.append(
                HistoryItem(
                    at=op.occurred_at,
                    type="purchase",
                    amount_minor=op.net_minor,
                    reason=f"receipt {op.op_key} ({op.status})"
                    + (f" at partner {op.partner}" if op.partner else ""),
                    operation_id=op.id,
                    receipt_id=op.op_key,
                    terminal=op.terminal,
                )
            )
        elif op.kind in ("return", "cancel"):
            items.append(
                HistoryItem(
                    at=op.occurred_at,
                    type=op.kind,
                    amount_minor=op.net_minor,
                    reason=f"{op.kind} of receipt {(op.response or {}).get('receipt_id')}",
                    operation_id=op.id,
                    receipt_id=op.op_key,
                    terminal=op.terminal,
                )
            )
        elif op.kind == "membership":
            items.append(
                HistoryItem(
                    at=op.occurred_at,
                    type="membership",
                    reason=f"plan {op.response.get('plan')}",
                    operation_id=op.id,
                    terminal=op.terminal,
                )
            )
    entries = session.execute(
        select(
            LoyaltyEntry.kind,
            LoyaltyEntry.rule,
            LoyaltyEntry.operation_id,
            func.min(LoyaltyEntry.at),
            func.sum(LoyaltyEntry.points),
        )
        .where(LoyaltyEntry.account_id == account_id)
        .group_by(LoyaltyEntry.operation_id, LoyaltyEntry.kind, LoyaltyEntry.rule)
        .order_by(func.min(LoyaltyEntry.id).desc())
        .limit(limit)
    ).all()
    for kind, rule, operation_id, at, points in entries:
        items.append(
            HistoryItem(
                at=at,
                type=ENTRY_TYPES.get(kind, kind),
                points=int(points),
                reason=rule,
                operation_id=operation_id,
            )
        )
    for change in session.scalars(
        select(LoyaltyLevelChange).where(LoyaltyLevelChange.account_id == account_id)
    ):
        items.append(
            HistoryItem(
                at=change.at,
                type="level_change",
                reason=f"{change.from_level} -> {change.to_level}: {change.reason}",
                operation_id=change.operation_id,
            )
        )
    for badge in session.scalars(select(LoyaltyBadge).where(LoyaltyBadge.account_id == account_id)):
        items.append(
            HistoryItem(
                at=badge.awarded_at,
                type="badge",
                reason=f"{badge.badge} (challenge {badge.challenge}, {badge.period})",
                operation_id=badge.operation_id,
            )
        )
    items.sort(key=lambda item: (item.at, item.operation_id or 0), reverse=True)
    return HistoryOut(account=account_view(session, account, program, now), items=items[:limit])
