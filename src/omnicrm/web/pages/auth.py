"""Signing in and out, the start page and the language switch."""

import math
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


TOO_MANY = "Too many sign-in attempts from this address: wait a minute and try again"


@router.post("/login")
def login(request: Request, form: CheckedForm, engine: EngineDep) -> Response:
    """Sign in; attempts from one client address are rate-limited (429 with ``Retry-After``)."""
    username, password = text(form, "username"), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")), "/")
    errors = FormErrors()
    address = request.client.host if request.client else "unknown"
    wait = request.app.state.rate_limits.sign_in_per_address.take(address)
    if wait is not None:
        errors.add("password", TOO_MANY)
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
    status = 400 if wait is None else 429
    page = render(
        request, "login.html", None, status=status, next=target, errors=errors, username=username
    )
    if wait is not None:
        page.headers["Retry-After"] = str(math.ceil(wait))
    return page


@router.post("/logout")
def logout(request: Request, _: CheckedForm, engine: EngineDep) -> Response:
    with unit_of_work(engine) as session:
        sessions.end(request, session, utcnow())
    return _see_other("/login")


@router.post("/lang")
def switch_language(request: Request, form: CheckedForm) -> Response:
    sessions.set_lang(request, text(form, "lang"))
    return _see_other(safe_next(str(form.get("next", "")), "/"))
