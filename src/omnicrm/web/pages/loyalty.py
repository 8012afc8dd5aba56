"""Loyalty settings, read-only: the programs loaded and, for one, its levels, points rules,
stamp cards, clubs, paid plans, referral, challenges, partners and causes as they are in force."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.api.deps import ReadSessionDep
from omnicrm.loyalty.repository import program_in_force
from omnicrm.store.schema.loyalty import LoyaltyProgram
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import Viewer, needs

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
LoyaltyViewer = Annotated[Viewer, Depends(needs(Permission.LOYALTY))]


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


@router.get("/loyalty")
def loyalty_settings(
    request: Request, viewer: LoyaltyViewer, session: ReadSessionDep, program: str | None = None
) -> Response:
    programs = latest_versions(session)
    shown = program_in_force(session, program)[0] if programs or program else None
    return render(request, "loyalty.html", viewer, programs=programs, program=shown)
