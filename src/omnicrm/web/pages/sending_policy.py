"""The sending policy's page (``/campaigns/policy``): the frequency caps and quiet hours the
worker applies from its next batch, shown to whoever sees campaigns and changed by marketers
through ``campaigns.sending_policy``, as the API and the CLI do. A bad value is shown beside
its field and nothing is saved."""

from dataclasses import asdict, fields
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from omnicrm.api.deps import EngineDep, NowDep
from omnicrm.campaigns import sending_policy
from omnicrm.core.errors import InvalidRecord
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, flash, needs

router = APIRouter(prefix="/campaigns/policy", tags=[PAGE_TAG], include_in_schema=False)
CampaignsViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS))]
EditorViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS_EDIT))]
FIELDS = tuple(f.name for f in fields(sending_policy.Limits))


def _form(request: Request, viewer: Viewer, entered: dict, errors: FormErrors) -> Response:
    return render(
        request,
        "sending_policy.html",
        viewer,
        status=400 if errors else 200,
        entered=entered,
        errors=errors,
        fields=FIELDS,
        can_edit=viewer.can(Permission.CAMPAIGNS_EDIT),
    )


@router.get("")
def policy_page(request: Request, viewer: CampaignsViewer, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        limits = sending_policy.load(conn)
    return _form(request, viewer, {k: str(v) for k, v in asdict(limits).items()}, FormErrors())


@router.post("")
def save_policy(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, now: NowDep
) -> Response:
    entered = {name: text(form, name) for name in FIELDS}
    errors = FormErrors()
    for name, value in entered.items():
        if not value.isdigit():
            errors.add(name, "Enter a whole number")
    if not errors:
        limits = sending_policy.Limits(**{k: int(v) for k, v in entered.items()})
        try:
            with unit_of_work(engine) as session:
                sending_policy.save(session.connection(), limits, now, viewer.username)
                audit.record(session, viewer.id, "save_sending_policy", "campaigns:policy", now)
        except InvalidRecord as exc:
            errors = FormErrors.of(exc)
    if errors:
        return _form(request, viewer, entered, errors)
    flash(request, "ok", "Sending policy saved")
    return RedirectResponse("/campaigns/policy", status_code=303)
