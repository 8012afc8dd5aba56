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


def level_names(session: Session) -> dict[str, str]:
    """Level codes to the names people read, from every program in force (a code two programs
    share takes the first program's name, by code)."""
    names: dict[str, str] = {}
    for program in latest_versions(session):
        for tier in ((program.config or {}).get("levels") or {}).get("tiers", []):
            names.setdefault(tier["code"], tier["name"])
    return names
