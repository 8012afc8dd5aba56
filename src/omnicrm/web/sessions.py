"""The signed-cookie session of a signed-in person: their sign-in's token, their CSRF token, their
language and one-shot messages for the next page.

The token names a ``staff_sessions`` row, read with the user row on every request: signing out
revokes it on the server, so a copy of the old cookie opens nothing; a new password, a new role or
a deactivation revokes every sign-in of the user (``omnicrm.web.staff``).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from omnicrm.api.deps import NowDep, ReadSessionDep
from omnicrm.store.schema.staff import StaffSession, StaffUser
from omnicrm.web.config import get_web_settings
from omnicrm.web.errors import FormExpired, PageDenied, SignInRequired
from omnicrm.web.i18n import LANGUAGES
from omnicrm.web.roles import Permission, allows
from omnicrm.web.staff import open_session, revoke_session, token_hash

TOKEN, CSRF, LANG, FLASH = "sid", "csrf", "lang", "flash"
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


def start(request: Request, session: Session, user: StaffUser, now: datetime) -> None:
    """A fresh sign-in for ``user`` (a new token and CSRF token; the language chosen before is
    kept), stored in ``session``'s transaction."""
    _clear(request)
    request.session[TOKEN] = open_session(session, user, now)
    csrf_token(request)


def end(request: Request, session: Session, now: datetime) -> None:
    """Sign out: the sign-in is revoked on the server, then the cookie is emptied."""
    token = request.session.get(TOKEN)
    if token:
        revoke_session(session, token, now)
    _clear(request)


def _clear(request: Request) -> None:
    lang = request.session.get(LANG)
    request.session.clear()
    if lang:
        request.session[LANG] = lang


def flash(request: Request, kind: str, message: str, **params: Any) -> None:
    """A message for the next page shown (``kind``: ok | error); ``message`` is a catalogue id."""
    request.session.setdefault(FLASH, []).append([kind, message, params])


def pop_flashes(request: Request) -> list[tuple[str, str, dict]]:
    return [tuple(item) for item in request.session.pop(FLASH, [])]


def current_viewer(request: Request, session: ReadSessionDep, now: NowDep) -> Viewer:
    token = request.session.get(TOKEN)
    user = None
    if isinstance(token, str):
        user = session.scalar(
            select(StaffUser)
            .join(StaffSession, StaffSession.user_id == StaffUser.id)
            .where(
                StaffSession.token_hash == token_hash(token),
                StaffSession.revoked_at.is_(None),
                StaffSession.expires_at > now,
                StaffUser.active.is_(True),
            )
        )
    if user is None:
        _clear(request)
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
