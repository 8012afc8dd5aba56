"""Administration: staff users (create, change role or access, reset a password), the API keys
of tills, sites and partners (issue, revoke), and the access audit."""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine

from omnicrm.access.keys import create_key, key_by_id, list_keys, revoke_key
from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, InvalidRecord
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.web import audit, sessions, staff
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission, Role
from omnicrm.web.sessions import CheckedForm, Viewer, needs

router = APIRouter(prefix="/admin", tags=[PAGE_TAG], include_in_schema=False)
UsersViewer = Annotated[Viewer, Depends(needs(Permission.USERS))]
KeysViewer = Annotated[Viewer, Depends(needs(Permission.API_KEYS))]
AuditViewer = Annotated[Viewer, Depends(needs(Permission.AUDIT))]

KEY_NAME_MAX = 100
SCOPE = re.compile(r"^(\*|[a-z_]+:(\*|[a-z0-9_\-]+))$")


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _users_page(
    request: Request, viewer: Viewer, engine: Engine, *, errors: FormErrors, entered: dict
) -> Response:
    with read_session(engine) as session:
        users = staff.list_users(session)
    return render(
        request,
        "users.html",
        viewer,
        status=400 if errors else 200,
        users=users,
        roles=list(Role),
        errors=errors,
        entered=entered,
    )


@router.get("/users")
def users(request: Request, viewer: UsersViewer, engine: EngineDep) -> Response:
    return _users_page(request, viewer, engine, errors=FormErrors(), entered={})


@router.post("/users")
def add_user(
    request: Request,
    viewer: UsersViewer,
    form: CheckedForm,
    engine: EngineDep,
) -> Response:
    new = staff.NewUser(
        username=text(form, "username").lower(),
        full_name=text(form, "full_name"),
        role=text(form, "role"),
        password=str(form.get("password", "")),
    )
    try:
        with unit_of_work(engine) as writing:
            staff.create_user(writing, new, utcnow())
            audit.record(writing, viewer.id, "create_user", f"user:{new.username}", utcnow())
    except InvalidRecord as exc:
        entered = {"username": new.username, "full_name": new.full_name, "role": new.role}
        return _users_page(request, viewer, engine, errors=FormErrors.of(exc), entered=entered)
    sessions.flash(request, "ok", "User {name} created", name=new.username)
    return _see_other("/admin/users")


def _user_page(
    request: Request, viewer: Viewer, engine: Engine, user_id: int, errors: FormErrors
) -> Response:
    with read_session(engine) as session:
        shown = staff.get_user(session, user_id)
    return render(
        request,
        "user.html",
        viewer,
        status=400 if errors else 200,
        user=shown,
        roles=list(Role),
        errors=errors,
    )


@router.get("/users/{user_id}")
def user(request: Request, viewer: UsersViewer, engine: EngineDep, user_id: int) -> Response:
    return _user_page(request, viewer, engine, user_id, FormErrors())


@router.post("/users/{user_id}/access")
def change_access(
    request: Request,
    viewer: UsersViewer,
    form: CheckedForm,
    engine: EngineDep,
    user_id: int,
) -> Response:
    try:
        with unit_of_work(engine) as writing:
            changed = staff.change_access(
                writing,
                user_id,
                role=text(form, "role"),
                active=form.get("active") == "on",
                acting_id=viewer.id,
                now=utcnow(),
            )
            subject = f"user:{changed.username}"
            audit.record(writing, viewer.id, "change_access", subject, utcnow())
    except InvalidRecord as exc:
        return _user_page(request, viewer, engine, user_id, FormErrors.of(exc))
    sessions.flash(request, "ok", "Access of {name} saved", name=changed.username)
    return _see_other(f"/admin/users/{user_id}")


@router.post("/users/{user_id}/password")
def reset_password(
    request: Request,
    viewer: UsersViewer,
    form: CheckedForm,
    engine: EngineDep,
    user_id: int,
) -> Response:
    try:
        with unit_of_work(engine) as writing:
            changed = staff.reset_password(
                writing, user_id, str(form.get("password", "")), utcnow()
            )
            subject = f"user:{changed.username}"
            audit.record(writing, viewer.id, "reset_password", subject, utcnow())
    except InvalidRecord as exc:
        return _user_page(request, viewer, engine, user_id, FormErrors.of(exc))
    sessions.flash(request, "ok", "Password of {name} changed", name=changed.username)
    return _see_other(f"/admin/users/{user_id}")


def _keys_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    *,
    errors: FormErrors,
    entered: dict,
    secret: str | None = None,
) -> Response:
    with read_session(engine) as session:
        keys = list_keys(session)
    return render(
        request,
        "keys.html",
        viewer,
        status=400 if errors else 200,
        keys=keys,
        errors=errors,
        entered=entered,
        secret=secret,
    )


@router.get("/keys")
def keys(request: Request, viewer: KeysViewer, engine: EngineDep) -> Response:
    return _keys_page(request, viewer, engine, errors=FormErrors(), entered={})


def _key_errors(name: str, scopes: list[str]) -> FormErrors:
    errors = FormErrors()
    if not name or len(name) > KEY_NAME_MAX or any(c.isspace() for c in name):
        errors.add("name", "1-100 characters without spaces, e.g. pos-store-001")
    if not scopes:
        errors.add("scopes", "Give at least one scope, e.g. ingest:pos or till:*")
    elif not all(SCOPE.match(scope) for scope in scopes):
        errors.add("scopes", "Scopes are words like ingest:pos, till:* or loyalty:read")
    return errors


@router.post("/keys")
def add_key(
    request: Request,
    viewer: KeysViewer,
    form: CheckedForm,
    engine: EngineDep,
) -> Response:
    """Issue a key; its secret is shown on this response once and never again."""
    name, scopes = text(form, "name"), text(form, "scopes").replace(",", " ").split()
    errors = _key_errors(name, scopes)
    secret = None
    if not errors:
        try:
            with unit_of_work(engine) as writing:
                secret = create_key(writing, name, scopes)
                audit.record(writing, viewer.id, "create_key", f"key:{name}", utcnow())
        except Conflict:
            errors.add("name", "A key with this name exists")
    entered = {} if secret else {"name": name, "scopes": " ".join(scopes)}
    return _keys_page(request, viewer, engine, errors=errors, entered=entered, secret=secret)


@router.post("/keys/{key_id}/revoke")
def revoke(
    request: Request, viewer: KeysViewer, _: CheckedForm, engine: EngineDep, key_id: int
) -> Response:
    with unit_of_work(engine) as writing:
        key = key_by_id(writing, key_id)
        if key is None or key.revoked_at is not None:
            sessions.flash(request, "error", "This key is unknown or already revoked")
            return _see_other("/admin/keys")
        revoke_key(writing, key.name)
        audit.record(writing, viewer.id, "revoke_key", f"key:{key.name}", utcnow())
    sessions.flash(request, "ok", "Key {name} revoked", name=key.name)
    return _see_other("/admin/keys")


@router.get("/audit")
def audit_log(
    request: Request, viewer: AuditViewer, session: ReadSessionDep, subject: str | None = None
) -> Response:
    lines = audit.recent(session, subject=subject or None)
    return render(request, "audit.html", viewer, lines=lines, subject=subject or "")
