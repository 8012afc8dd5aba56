"""A campaign's operations on its page: schedule it (a date and time in a store's zone), take
the schedule back, pause its sending, and send a test to one's own address. Each goes through
``campaigns.operations``, the use cases the API and the CLI call; a form with a problem shows
the page again with the error beside the field and changes nothing."""

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from omnicrm.api.deps import EngineDep, NowDep, ReadSessionDep
from omnicrm.campaigns import operations
from omnicrm.campaigns.providers import ProvidersDep
from omnicrm.core.errors import Conflict, InvalidRecord, NotFound
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.pages.campaigns import show_campaign
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, flash, needs

router = APIRouter(prefix="/campaigns", tags=[PAGE_TAG], include_in_schema=False)
EditorViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS_EDIT))]


def _back(code: str) -> RedirectResponse:
    return RedirectResponse(f"/campaigns/{code}", status_code=303)


@router.post("/{code}/schedule")
def schedule_campaign(
    request: Request,
    viewer: EditorViewer,
    form: CheckedForm,
    engine: EngineDep,
    session: ReadSessionDep,
    now: NowDep,
    code: str,
) -> Response:
    entered = {name: text(form, name) for name in ("start_date", "start_time", "zone")}
    errors = FormErrors()
    try:
        day = date.fromisoformat(entered["start_date"])
    except ValueError:
        errors.add("start_date", "Enter a date")
    try:
        at = time.fromisoformat(entered["start_time"])
    except ValueError:
        errors.add("start_time", "Enter a time")
    if not errors:
        try:
            starts_at = operations.local_start(day, at, entered["zone"])
            with unit_of_work(engine) as writing:
                operations.schedule(writing, code, starts_at, now)
                audit.record(writing, viewer.id, "schedule_campaign", f"campaign:{code}", now)
        except InvalidRecord as exc:
            for problem in exc.errors:
                errors.add("start_date" if problem.field == "starts_at" else problem.field,
                           problem.message)  # fmt: skip
        except Conflict:
            errors.add("start_date", "The campaign is launched: its start is fixed")
    if errors:
        return show_campaign(request, viewer, session, code, errors, entered=entered)
    flash(request, "ok", "Campaign scheduled")
    return _back(code)


def _act(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    now: datetime,
    code: str,
    action: Callable[[Session], object],
    done: tuple[str, str, str],
) -> Response:
    """One change, audited as ``done[0]``; flashes ``done[1]``, or ``done[2]`` on a refusal."""
    audited, ok, refused = done
    try:
        with unit_of_work(engine) as session:
            action(session)
            audit.record(session, viewer.id, audited, f"campaign:{code}", now)
        flash(request, "ok", ok)
    except Conflict:
        flash(request, "error", refused)
    return _back(code)


@router.post("/{code}/unschedule")
def unschedule_campaign(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, now: NowDep,
    code: str,
) -> Response:  # fmt: skip
    done = ("unschedule_campaign", "Schedule removed: the campaign is a draft",
            "The campaign is not scheduled")  # fmt: skip
    return _act(request, viewer, engine, now, code, lambda s: operations.unschedule(s, code), done)


@router.post("/{code}/pause")
def pause_campaign(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, now: NowDep,
    code: str,
) -> Response:  # fmt: skip
    def pause(session: Session) -> None:
        operations.pause(session, code, now, viewer.username)

    done = ("pause_campaign", "Sending paused", "The campaign is already paused")
    return _act(request, viewer, engine, now, code, pause, done)


@router.post("/{code}/test")
def send_test(
    request: Request,
    viewer: EditorViewer,
    form: CheckedForm,
    session: ReadSessionDep,
    providers: ProvidersDep,
    now: NowDep,
    code: str,
) -> Response:
    entered = {name: text(form, name) for name in ("test_customer", "test_to")}
    errors = FormErrors()
    if not entered["test_customer"].isdigit():
        errors.add("test_customer", "Enter a customer number")
    if not entered["test_to"]:
        errors.add("test_to", "Field required")
    sent: list[operations.SentTest] = []
    if not errors:
        try:
            customer = int(entered["test_customer"])
            sent = operations.send_test(session, providers, code, customer, entered["test_to"], now)
        except NotFound:
            errors.add("test_customer", "No such customer")
        except InvalidRecord as exc:
            errors.add("test_to", exc.errors[0].message)
        except Conflict:
            errors.add("test_to", "No provider is configured for this channel")
    if errors:
        return show_campaign(request, viewer, session, code, errors, entered=entered)
    failed = [s for s in sent if s.status != "sent"]
    if failed:
        flash(request, "error", "The test was not sent: {detail}", detail=failed[0].detail or "")
    else:
        flash(request, "ok", "Test sent to {to}", to=sent[0].to)
    return _back(code)
