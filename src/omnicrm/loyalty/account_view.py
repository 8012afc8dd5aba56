"""The account as the member sees it (the account API and the 360 page): the till's account
answer plus the points expiring in the next 30/60/90 days, visits and purchases counted apart,
badges, and each challenge's progress this month counted the way the till counts it."""

from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from omnicrm.identity.aliases import alias_ids, live_id
from omnicrm.loyalty import ledger, repository
from omnicrm.loyalty.identify import account_out, cart_at_till
from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.sale import month
from omnicrm.loyalty.schemas import (
    AccountViewOut,
    ActivityOut,
    BadgeOut,
    ChallengeOut,
    ExpiringOut,
)
from omnicrm.store.schema import Event, Order
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyBadge,
    LoyaltyOperation,
    LoyaltyReceiptLine,
)

HORIZONS = (30, 60, 90)


def member_account(session: Session, account_id: int, now: datetime) -> AccountViewOut:
    """``GET /loyalty/accounts/{id}``: the view with the member's open cart, as the till sees it."""
    account = repository.get_account(session, account_id)
    program, _ = repository.program_in_force(session, account.program_code)
    view = account_view(session, account, program, now)
    view.cart = cart_at_till(session, account.id, now)
    return view


def account_view(
    session: Session, account: LoyaltyAccount, program: Program, now: datetime
) -> AccountViewOut:
    lots = repository.as_lots(repository.holding_lots(session, account.id))
    within = {f"within_{d}_days": ledger.expiring_within(lots, now, d) for d in HORIZONS}
    return AccountViewOut(
        **account_out(session, account, program, now).model_dump(),
        expiring=ExpiringOut(**within),
        activity=activity(session, account.customer_id),
        badges=badges(session, account.id),
        challenges=challenges(session, account.id, program, now),
    )


def activity(session: Session, customer_id: int) -> ActivityOut:
    """Orders in every channel (cancelled left out) and store-days (UTC) with a receipt or an
    in-store event, over the profile and every profile merged into it."""
    ids = alias_ids(session, live_id(session, customer_id))
    orders = session.execute(
        select(Order.store_id, Order.placed_at).where(
            Order.customer_id.in_(ids), Order.status != "cancelled"
        )
    ).all()
    events = session.execute(
        select(Event.store_id, Event.occurred_at).where(
            Event.customer_id.in_(ids), Event.store_id.is_not(None)
        )
    ).all()
    bought = {(store, at.date()) for store, at in orders if store is not None}
    came = bought | {(store, at.date()) for store, at in events}
    return ActivityOut(
        purchases=len(orders), visits=len(came), visits_without_purchase=len(came - bought)
    )


def badges(session: Session, account_id: int) -> list[BadgeOut]:
    rows = session.scalars(
        select(LoyaltyBadge)
        .where(LoyaltyBadge.account_id == account_id)
        .order_by(LoyaltyBadge.awarded_at.desc())
    )
    return [BadgeOut(challenge=b.challenge, badge=b.badge, period=b.period, awarded_at=b.awarded_at)
            for b in rows]  # fmt: skip


def challenges(
    session: Session, account_id: int, program: Program, now: datetime
) -> list[ChallengeOut]:
    """Distinct categories bought this month on confirmed receipts not wholly returned (the
    till's count), and whether the badge of the month is held."""
    if not program.challenges:
        return []
    period, start, end = month(now)
    done = session.scalar(
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
    held = set(
        session.scalars(
            select(LoyaltyBadge.challenge).where(
                LoyaltyBadge.account_id == account_id, LoyaltyBadge.period == period
            )
        )
    )
    return [
        ChallengeOut(
            code=c.code,
            name=c.name,
            period=period,
            goal=c.count,
            done=int(done or 0),
            badge=c.badge,
            earned=c.code in held,
        )
        for c in program.challenges
    ]
