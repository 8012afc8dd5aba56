"""Rate limits as token buckets, one per (limit, key): an API key's SMS code requests, a client
address's sign-in attempts. A bucket holds ``burst`` tokens and regains ``per_minute`` a minute;
a request takes one, or is told how long to wait.

The buckets live in the process (``app.state.rate_limits``): with N server processes a key gets
N times the allowance. Limits that must hold across processes are kept in the database instead
(SMS codes per phone, ``loyalty.enrolment``; failed sign-ins per user, ``web.staff``).
"""

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from omnicrm.core.errors import TooManyRequests
from omnicrm.core.settings import Settings

MAX_BUCKETS = 100_000
"""Beyond this many keys, buckets that have refilled are dropped (they hold nothing to keep)."""


@dataclass(frozen=True, slots=True)
class Rate:
    burst: int
    per_minute: float


class Limiter:
    """The buckets of one limit; safe to share between the server's threads."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.clock = rate, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Take a token for ``key``: None when allowed, else the seconds until one is back."""
        per_second = self.rate.per_minute / 60
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key, (float(self.rate.burst), now))
            tokens = min(float(self.rate.burst), tokens + (now - at) * per_second)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / per_second
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._prune(now, per_second)
            return None

    def check(self, key: str, what: str) -> None:
        """Take a token or raise ``TooManyRequests`` naming ``what`` and when to retry."""
        wait = self.take(key)
        if wait is not None:
            raise TooManyRequests(f"too many {what}", retry_after=math.ceil(wait))

    def _prune(self, now: float, per_second: float) -> None:
        full = [
            key
            for key, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * per_second >= self.rate.burst
        ]
        for key in full:
            del self._buckets[key]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Every limit the app applies, made once per app from the settings."""

    sms_code_per_key: Limiter
    sign_in_per_address: Limiter

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        return cls(
            sms_code_per_key=Limiter(
                Rate(settings.sms_codes_per_key_burst, settings.sms_codes_per_key_per_minute)
            ),
            sign_in_per_address=Limiter(
                Rate(settings.sign_ins_per_address_burst, settings.sign_ins_per_address_per_minute)
            ),
        )
