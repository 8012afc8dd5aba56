"""API keys: each system gets its own secret and scopes; only a hash of the secret is stored."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, Forbidden, Unauthorized
from omnicrm.store.schema import ApiKey

KEY_PREFIX = "ocrm_"


@dataclass(frozen=True, slots=True)
class Caller:
    """The system behind a request, as its key says."""

    key_id: int
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        """``ingest:*`` allows ``ingest:pos``; ``*`` allows everything."""
        family = scope.split(":", 1)[0]
        return bool({scope, f"{family}:*", "*"} & self.scopes)

    def require(self, scope: str) -> None:
        if not self.allows(scope):
            raise Forbidden(f"key {self.name!r} lacks scope {scope!r}")


def hash_secret(secret: str) -> str:
    """What is stored of a secret (its SHA-256), and what it is looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


def require_secret(secret: str | None) -> str:
    if not secret:
        raise Unauthorized("missing API key (send it in the X-API-Key header)")
    return secret


def _new_secret(key: ApiKey, scopes: list[str]) -> str:
    if not scopes:
        raise ValueError("a key needs at least one scope")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key.prefix = secret[: len(KEY_PREFIX) + 4]
    key.secret_hash = hash_secret(secret)
    key.scopes = " ".join(sorted(set(scopes)))
    key.created_at = utcnow()
    key.revoked_at = None
    return secret


def create_key(session: Session, name: str, scopes: list[str]) -> str:
    """Issue a key named ``name``; returns the secret, which is shown once and never stored."""
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict(f"an API key named {name!r} already exists")
    key = ApiKey(name=name)
    secret = _new_secret(key, scopes)
    session.add(key)
    session.flush()
    return secret


def rotate_key(session: Session, name: str, scopes: list[str]) -> str:
    """Give the key ``name`` a new secret (creating it if needed); the old secret stops working."""
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        return create_key(session, name, scopes)
    secret = _new_secret(key, scopes)
    session.flush()
    return secret


def authenticate(session: Session, secret: str | None) -> Caller:
    """The caller a secret belongs to; Unauthorized if missing, unknown or revoked."""
    key = session.scalar(
        select(ApiKey).where(ApiKey.secret_hash == hash_secret(require_secret(secret)))
    )
    if key is None or key.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    return Caller(key_id=key.id, name=key.name, scopes=frozenset(key.scopes.split()))


def revoke_key(session: Session, name: str) -> None:
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise Unauthorized(f"no API key named {name!r}")
    key.revoked_at = utcnow()


def list_keys(session: Session) -> list[ApiKey]:
    """Keys in use first, then revoked ones, each by name."""
    return list(
        session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.name))
    )


def key_by_id(session: Session, key_id: int) -> ApiKey | None:
    return session.get(ApiKey, key_id)
