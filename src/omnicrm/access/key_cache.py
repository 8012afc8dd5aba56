"""API keys verified in the process: the caller of each secret's hash is kept for a few seconds,
so a request needs no database read for its key, and a key revoked anywhere (another server
process, the command line) stops working within ``ttl`` seconds.

Only known keys are kept: an unknown secret is read again every time (a new key works at once,
and made-up secrets cannot fill the cache)."""

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, select

from omnicrm.access.keys import Caller, hash_secret, require_secret
from omnicrm.core.errors import Unauthorized
from omnicrm.store.schema import ApiKey

MAX_KEYS = 10_000
"""Beyond this many cached keys the cache starts again empty (real deployments hold far fewer)."""


class KeyCache:
    """Callers by database and secret hash, each trusted for ``ttl`` seconds after it was read."""

    def __init__(self, ttl: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._callers: dict[tuple[Engine, str], tuple[Caller, float]] = {}
        self._lock = threading.Lock()

    def caller(self, engine: Engine, secret: str | None) -> Caller:
        """The caller ``secret`` belongs to in ``engine``'s database; Unauthorized if missing,
        unknown or revoked."""
        entry = (engine, hash_secret(require_secret(secret)))
        now = self.clock()
        found = self._callers.get(entry)
        if found is not None and now - found[1] < self.ttl:
            return found[0]
        caller = _read(*entry)
        with self._lock:
            if caller is None:
                self._callers.pop(entry, None)
            else:
                if len(self._callers) >= MAX_KEYS:
                    self._callers.clear()
                self._callers[entry] = (caller, now)
        if caller is None:
            raise Unauthorized("unknown or revoked API key")
        return caller


def _read(engine: Engine, digest: str) -> Caller | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(ApiKey.id, ApiKey.name, ApiKey.scopes).where(
                ApiKey.secret_hash == digest, ApiKey.revoked_at.is_(None)
            )
        ).first()
        conn.commit()  # ends the read with COMMIT: psycopg keeps its prepared statements
    if row is None:
        return None
    return Caller(key_id=row.id, name=row.name, scopes=frozenset(row.scopes.split()))
