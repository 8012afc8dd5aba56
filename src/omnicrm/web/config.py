"""Settings of the web workstation, read from ``OMNICRM_WEB_*``.

Without ``OMNICRM_WEB_SESSION_SECRET`` a random secret is made per process: fine for the demo and
for tests, but sign-ins then end when the server restarts and cannot be shared between workers,
so production sets it (``OMNICRM_PRODUCTION=1`` refuses to start without it).
"""

import secrets
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from omnicrm.core.settings import get_settings


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNICRM_WEB_", env_file=".env", extra="ignore")

    session_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=32)
    session_hours: int = Field(8, ge=1, le=24 * 7)
    """A sign-in lasts one working shift by default."""
    secure_cookies: bool = False
    """Send the session cookie over HTTPS only (set behind TLS; always on in production)."""
    timezone: str = Field(default_factory=lambda: get_settings().report_timezone)
    """Times are shown, and the analytics pages' days counted, in this zone."""
    default_lang: str = "ru"
    max_failed_logins: int = 5
    lockout_minutes: int = 15

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


MIN_DISTINCT_CHARACTERS = 16
"""A placeholder such as ``change-me-change-me-...`` has a handful; a random secret has dozens."""


def check_production(settings: WebSettings, production: bool) -> None:
    """In production the session secret must be set explicitly and look random: a per-process
    random one signs everybody out on restart, a placeholder lets anyone forge a cookie. The
    privacy key and the link secret must be set too (the defaults are public). Raised at
    start-up, so the server never runs with any of them."""
    if not production:
        return
    secret = settings.session_secret
    if (
        "session_secret" not in settings.model_fields_set
        or len(set(secret)) < MIN_DISTINCT_CHARACTERS
    ):
        raise RuntimeError(
            "OMNICRM_PRODUCTION is set: set OMNICRM_WEB_SESSION_SECRET to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    defaults = [
        f"OMNICRM_{name.upper()}"
        for name in ("privacy_key", "link_secret")
        if name not in get_settings().model_fields_set
    ]
    if defaults:
        raise RuntimeError(f"OMNICRM_PRODUCTION is set: set {' and '.join(defaults)}")


@lru_cache
def get_web_settings() -> WebSettings:
    return WebSettings()
