"""Reports over the ledger: partner (coalition) settlement, the co-brand issuers' share of the
cost of their cards' points, and donations per cause."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.loyalty import repository
from omnicrm.loyalty.programs import Program, bp
from omnicrm.store.schema.loyalty import LoyaltyEntry, LoyaltyLot, LoyaltyOperation


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
                "owes": _payer((int(redeemed) - int(issued)) * value),
            }
        )
    return report


def _payer(net_minor: int) -> str | None:
    """Who pays the balance: the operator (the partner's tills took more points than they gave)
    or the partner."""
    return "operator" if net_minor > 0 else "partner" if net_minor < 0 else None


def cobrand_settlement(
    session: Session, program: Program, since: datetime, until: datetime
) -> list[dict]:
    """Per co-branded card: the points its rules earned in [since, until) net of what returns
    took back (entries ``earn`` and ``revoke`` of lots of rule ``cobrand:CODE...``), their value
    and the partner's funded share of it, which the partner owes the operator."""
    rows = session.execute(
        select(LoyaltyLot.rule, func.sum(LoyaltyEntry.points))
        .join(LoyaltyLot, LoyaltyLot.id == LoyaltyEntry.lot_id)
        .where(
            LoyaltyLot.rule.like("cobrand:%"),
            LoyaltyEntry.kind.in_(("earn", "revoke")),
            LoyaltyEntry.at >= since,
            LoyaltyEntry.at < until,
        )
        .group_by(LoyaltyLot.rule)
    ).all()
    earned: dict[str, int] = {}
    for rule, points in rows:
        code = rule.split("+", 1)[0].removeprefix("cobrand:")
        earned[code] = earned.get(code, 0) + int(points)
    report = []
    for cobrand in program.cobrands:
        points = earned.get(cobrand.code, 0)
        worth = points * program.point_value_minor
        funded = (2 * worth * bp(cobrand.partner_funded_pct) + 10_000) // 20_000
        report.append(
            {
                "cobrand": cobrand.code,
                "partner": cobrand.partner,
                "points_earned": points,
                "value_minor": worth,
                "partner_funded_bp": bp(cobrand.partner_funded_pct),
                "partner_owes_minor": funded,
                "operator_cost_minor": worth - funded,
                "owes": "partner" if funded > 0 else None,
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
