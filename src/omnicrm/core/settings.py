"""One cached settings object, read from the environment (prefix ``OMNICRM_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``OMNICRM_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="OMNICRM_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{Path('var/omnicrm.db').resolve()}"
    """SQLite file (the embedded default) or ``postgresql+psycopg://...``."""

    import_batch_size: int = 5000
    """Source records per import transaction: the unit that commits or rolls back whole."""

    default_currency: str = "RUB"

    cart_abandon_after_minutes: int = Field(default=24 * 60, gt=0)
    """A cart with no add or remove for this long is abandoned (closed; an order closes it too).
    A day, so a cart started online one evening is still open at the till the next day."""

    global_control_bp: int = Field(default=500, ge=0, le=10_000)
    """Share of customers (basis points) in the global control group: never sent marketing."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "omnicrm@localhost"
    """The From address of e-mail; its domain also names the Message-ID."""

    webhook_url: str | None = None
    """The generic HTTP provider for sms, push and messenger (none: those channels wait)."""

    webhook_token: str | None = None

    quiet_from_hour: int = Field(default=21, ge=0, le=23)
    quiet_until_hour: int = Field(default=9, ge=0, le=23)
    """Marketing is held from ``quiet_from_hour`` to ``quiet_until_hour`` customer-local time
    (equal hours: no quiet hours)."""

    customer_timezone: str = "Europe/Moscow"
    """The zone of a customer with no home store, for quiet hours and per-day caps."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
