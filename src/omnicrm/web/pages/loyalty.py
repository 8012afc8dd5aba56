"""Loyalty settings, read-only: the programs loaded and, for one, its levels, points rules,
stamp cards, clubs, paid plans, referral, challenges, partners and causes as they are in force."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from omnicrm.api.deps import ReadSessionDep
from omnicrm.loyalty.queries import latest_versions
from omnicrm.loyalty.repository import program_in_force
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import Viewer, needs

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
LoyaltyViewer = Annotated[Viewer, Depends(needs(Permission.LOYALTY))]


@router.get("/loyalty")
def loyalty_settings(
    request: Request, viewer: LoyaltyViewer, session: ReadSessionDep, program: str | None = None
) -> Response:
    programs = latest_versions(session)
    shown = program_in_force(session, program)[0] if programs or program else None
    return render(request, "loyalty.html", viewer, programs=programs, program=shown)
