"""Reports over the ledger: partner (coalition) settlement and donations per cause."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.loyalty import repository
from omnicrm.store.schema.loyalty import LoyaltyEntry, LoyaltyOperation


def partner_settlement(
    session: Session, program_code: str | None, since: datetime, until: datetime
) -> list[dict]:
    """Per partner: points issued at its tills (it owes the operator their value) and points
    redeemed there (the operator owes it their value), returns netted out; ``net_minor`` > 0
    means the operator pays the partner."""
    program, _ = repository.program_in_force(session, program_code)
    rows = session.execute(
        select(
            LoyaltyOperation.partner,
            func.coalesce(func.sum(LoyaltyOperation.points_earned), 0),
            func.coalesce(func.sum(LoyaltyOperation.points_spent), 0),
            func.count(),
        )
        .where(
            LoyaltyOperation.partner.is_not(None),
            LoyaltyOperation.occurred_at >= since,
            LoyaltyOperation.occurred_at < until,
        )
        .group_by(LoyaltyOperation.partner)
        .order_by(LoyaltyOperation.partner)
    ).all()
    report = []
    for code, issued, redeemed, operations in rows:
        partner = program.partner(code)
        value = (partner.point_value_minor if partner else None) or program.point_value_minor
        report.append(
            {
                "partner": code,
                "operations": operations,
                "points_issued": int(issued),
                "points_redeemed": int(redeemed),
                "issued_value_minor": int(issued) * value,
                "redeemed_value_minor": int(redeemed) * value,
                "net_minor": (int(redeemed) - int(issued)) * value,
            }
        )
    return report


def donations(session: Session) -> list[dict]:
    rows = session.execute(
        select(
            LoyaltyEntry.rule,
            func.sum(LoyaltyEntry.points),
            func.count(func.distinct(LoyaltyEntry.account_id)),
        )
        .where(LoyaltyEntry.kind == "spend", LoyaltyEntry.rule.like("donation:%"))
        .group_by(LoyaltyEntry.rule)
        .order_by(LoyaltyEntry.rule)
    ).all()
    return [
        {"cause": rule.removeprefix("donation:"), "points": -int(points), "donors": donors}
        for rule, points, donors in rows
    ]
