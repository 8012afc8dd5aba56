"""The signed-cookie session of a signed-in person: who they are, their CSRF token, their language
and one-shot messages for the next page.

The cookie holds ids only; the user row is read on every request, so a deactivated user, a changed
role or a reset password takes effect at once.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from omnicrm.api.deps import ReadSessionDep
from omnicrm.store.schema.staff import StaffUser
from omnicrm.web.config import get_web_settings
from omnicrm.web.errors import FormExpired, PageDenied, SignInRequired
from omnicrm.web.i18n import LANGUAGES
from omnicrm.web.roles import Permission, allows
from omnicrm.web.staff import session_stamp

USER, STAMP, CSRF, LANG, FLASH = "uid", "stamp", "csrf", "lang", "flash"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person, detached from the database session."""

    id: int
    username: str
    full_name: str
    role: str

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


def csrf_token(request: Request) -> str:
    """The session's token for forms, made on first use (the sign-in form needs one too)."""
    token = request.session.get(CSRF)
    if token is None:
        token = request.session[CSRF] = secrets.token_urlsafe(32)
    return token


def lang_of(request: Request) -> str:
    lang = request.session.get(LANG)
    return lang if lang in LANGUAGES else get_web_settings().default_lang


def set_lang(request: Request, lang: str) -> None:
    if lang in LANGUAGES:
        request.session[LANG] = lang


def start(request: Request, user: StaffUser) -> None:
    """A fresh session for ``user`` (a new CSRF token; the language chosen before is kept)."""
    lang = request.session.get(LANG)
    request.session.clear()
    request.session.update({USER: user.id, STAMP: session_stamp(user)})
    if lang:
        request.session[LANG] = lang
    csrf_token(request)


def end(request: Request) -> None:
    lang = request.session.get(LANG)
    request.session.clear()
    if lang:
        request.session[LANG] = lang


def flash(request: Request, kind: str, message: str, **params: Any) -> None:
    """A message for the next page shown (``kind``: ok | error); ``message`` is a catalogue id."""
    request.session.setdefault(FLASH, []).append([kind, message, params])


def pop_flashes(request: Request) -> list[tuple[str, str, dict]]:
    return [tuple(item) for item in request.session.pop(FLASH, [])]


def current_viewer(request: Request, session: ReadSessionDep) -> Viewer:
    user_id = request.session.get(USER)
    user = session.get(StaffUser, user_id) if user_id is not None else None
    if user is None or not user.active or request.session.get(STAMP) != session_stamp(user):
        end(request)
        raise SignInRequired(request.url.path)
    return Viewer(id=user.id, username=user.username, full_name=user.full_name, role=user.role)


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def needs(permission: Permission) -> Callable[..., Viewer]:
    """A dependency: the viewer, if their role grants ``permission``."""

    def check(viewer: CurrentViewer) -> Viewer:
        if not viewer.can(permission):
            raise PageDenied(permission)
        return viewer

    return check


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's (else nothing is done)."""
    form = await request.form()
    sent, expected = str(form.get(CSRF_FIELD, "")), request.session.get(CSRF)
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise FormExpired()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
