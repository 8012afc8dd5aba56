"""Signing in and out, the start page and the language switch."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from omnicrm.api.deps import EngineDep
from omnicrm.core.clock import utcnow
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit, sessions
from omnicrm.web.errors import PAGE_TAG, PageDenied
from omnicrm.web.navigation import home_for
from omnicrm.web.pages.forms import FormErrors, safe_next, text
from omnicrm.web.rendering import render
from omnicrm.web.sessions import CheckedForm, CurrentViewer
from omnicrm.web.staff import sign_in

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/")
def start(viewer: CurrentViewer) -> Response:
    home = home_for(viewer.role)
    if home is None:
        raise PageDenied(viewer.role)
    return _see_other(home)


@router.get("/login")
def login_form(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    return render(request, "login.html", None, next=safe_next(next, "/"), errors=FormErrors())


@router.post("/login")
def login(request: Request, form: CheckedForm, engine: EngineDep) -> Response:
    username, password = text(form, "username"), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")), "/")
    errors = FormErrors()
    if not username:
        errors.add("username", "Enter your username")
    if not password:
        errors.add("password", "Enter your password")
    if not errors:
        now = utcnow()
        with unit_of_work(engine) as session:
            user = sign_in(session, username, password, now)
            if user is not None:
                audit.record(session, user.id, "sign_in", f"user:{user.username}", now)
                sessions.start(request, session, user, now)
                return _see_other(target)
        errors.add("password", "Wrong username or password, or the account is locked")
    return render(
        request, "login.html", None, status=400, next=target, errors=errors, username=username
    )


@router.post("/logout")
def logout(request: Request, _: CheckedForm, engine: EngineDep) -> Response:
    with unit_of_work(engine) as session:
        sessions.end(request, session, utcnow())
    return _see_other("/login")


@router.post("/lang")
def switch_language(request: Request, form: CheckedForm) -> Response:
    sessions.set_lang(request, text(form, "lang"))
    return _see_other(safe_next(str(form.get("next", "")), "/"))
