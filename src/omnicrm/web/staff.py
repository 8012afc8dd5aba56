"""Staff users: create, sign in (with a lockout after repeated failures), change role or access,
reset a password; and their sign-ins, which a new password, role or deactivation revoke. Field
problems are raised as ``InvalidRecord`` whose messages are catalogue ids, so a form can show each
one beside its field, in the reader's language."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from omnicrm.core.errors import FieldError, InvalidRecord, NotFound
from omnicrm.store.schema.staff import StaffSession, StaffUser
from omnicrm.web.config import get_web_settings
from omnicrm.web.passwords import hash_password, password_problem, verify_password
from omnicrm.web.roles import Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


@cache
def _decoy_hash() -> str:
    """Checked for unknown usernames, so a failed sign-in takes as long whether the user exists."""
    return hash_password("decoy password, never matches")


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    full_name: str
    role: str
    password: str


def _check(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidRecord(errors)


def _role_problem(role: str) -> FieldError | None:
    return None if role in set(Role) else FieldError("role", "Choose a role from the list")


def create_user(session: Session, new: NewUser, now: datetime) -> StaffUser:
    errors = []
    if not USERNAME.match(new.username):
        errors.append(
            FieldError("username", "3-64 lowercase letters, digits, dots, dashes or underscores")
        )
    elif session.scalar(select(StaffUser.id).where(StaffUser.username == new.username)):
        errors.append(FieldError("username", "This username is taken"))
    if not new.full_name.strip() or len(new.full_name) > 200:
        errors.append(FieldError("full_name", "Enter the person's name"))
    errors += [e for e in (_role_problem(new.role),) if e]
    if problem := password_problem(new.password):
        errors.append(FieldError("password", problem))
    _check(errors)
    user = StaffUser(
        username=new.username,
        full_name=new.full_name.strip(),
        role=new.role,
        password_hash=hash_password(new.password),
        active=True,
        failed_logins=0,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(f"no staff user {user_id}")
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def change_access(
    session: Session, user_id: int, *, role: str, active: bool, acting_id: int, now: datetime
) -> StaffUser:
    """Set a user's role and whether they may sign in; a new role or a deactivation ends their
    sign-ins. Administrators cannot demote or lock out themselves, so there is always someone
    left to manage users."""
    user = get_user(session, user_id)
    errors = [e for e in (_role_problem(role),) if e]
    if user.id == acting_id and (role != Role.ADMINISTRATOR or not active):
        errors.append(FieldError("role", "You cannot remove your own administrator access"))
    _check(errors)
    if role != user.role or not active:
        revoke_sessions(session, user.id, now)
    user.role, user.active = role, active
    if active:
        user.failed_logins, user.locked_until = 0, None
    return user


def reset_password(session: Session, user_id: int, password: str, now: datetime) -> StaffUser:
    """A new password; sessions signed in with the old one end."""
    user = get_user(session, user_id)
    if problem := password_problem(password):
        raise InvalidRecord([FieldError("password", problem)])
    revoke_sessions(session, user.id, now)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    return user


def sign_in(session: Session, username: str, password: str, now: datetime) -> StaffUser | None:
    """The user whose credentials these are, or None; the reason is never told apart (unknown
    user, wrong password, locked or deactivated), so the form cannot be used to probe accounts."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        verify_password(password, _decoy_hash())
        return None
    locked = user.locked_until is not None and user.locked_until > now
    if not verify_password(password, user.password_hash) or locked or not user.active:
        if not locked:
            _count_failure(user, now)
        return None
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return user


def _count_failure(user: StaffUser, now: datetime) -> None:
    settings = get_web_settings()
    user.failed_logins += 1
    if user.failed_logins >= settings.max_failed_logins:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: StaffUser, now: datetime) -> str:
    """A new sign-in of ``user`` lasting one shift; returns the token for the cookie (only its
    hash is stored)."""
    token = secrets.token_urlsafe(32)
    hours = get_web_settings().session_hours
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def revoke_session(session: Session, token: str, now: datetime) -> None:
    _revoke(session, StaffSession.token_hash == token_hash(token), now)


def revoke_sessions(session: Session, user_id: int, now: datetime) -> None:
    """End every open sign-in of the user."""
    _revoke(session, StaffSession.user_id == user_id, now)


def _revoke(session: Session, which: ColumnElement[bool], now: datetime) -> None:
    session.execute(
        update(StaffSession).where(which, StaffSession.revoked_at.is_(None)).values(revoked_at=now)
    )
