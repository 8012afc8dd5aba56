"""Triggers: the list with kind, channel, whether each is on and when the job last looked, and
the buttons that turn one on or off (``campaigns.triggers.set_enabled``, as the API does)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from omnicrm.api.deps import EngineDep, NowDep, ReadSessionDep
from omnicrm.campaigns import triggers
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, flash, needs

router = APIRouter(prefix="/triggers", tags=[PAGE_TAG], include_in_schema=False)
CampaignsViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS))]
EditorViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS_EDIT))]


@router.get("")
def trigger_list(request: Request, viewer: CampaignsViewer, session: ReadSessionDep) -> Response:
    return render(
        request,
        "triggers.html",
        viewer,
        rows=triggers.list_all(session),
        can_edit=viewer.can(Permission.CAMPAIGNS_EDIT),
    )


def _switch(request: Request, viewer: Viewer, engine, now, code: str, on: bool) -> Response:  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        triggers.set_enabled(session, code, on, now)
        action = "enable_trigger" if on else "disable_trigger"
        audit.record(session, viewer.id, action, f"trigger:{code}", now)
    flash(request, "ok", "Trigger enabled" if on else "Trigger disabled")
    return RedirectResponse("/triggers", status_code=303)


@router.post("/{code}/enable")
def enable_trigger(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, now: NowDep,
    code: str,
) -> Response:  # fmt: skip
    return _switch(request, viewer, engine, now, code, True)


@router.post("/{code}/disable")
def disable_trigger(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, now: NowDep,
    code: str,
) -> Response:  # fmt: skip
    return _switch(request, viewer, engine, now, code, False)
