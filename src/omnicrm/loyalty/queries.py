"""Read models of the loyalty pages: which programs are loaded, at their version in force."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.store.schema.loyalty import LoyaltyProgram


def latest_versions(session: Session) -> list[LoyaltyProgram]:
    """The version in force of every program, by code."""
    newest = (
        select(LoyaltyProgram.code, func.max(LoyaltyProgram.version).label("version"))
        .group_by(LoyaltyProgram.code)
        .subquery()
    )
    return list(
        session.scalars(
            select(LoyaltyProgram)
            .join(
                newest,
                (newest.c.code == LoyaltyProgram.code)
                & (newest.c.version == LoyaltyProgram.version),
            )
            .order_by(LoyaltyProgram.code)
        )
    )
