"""One cached settings object, read from the environment (prefix ``OMNICRM_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SocialProvider(BaseModel):
    """An OpenID Connect provider a member may sign up with: whose ``id_token`` we accept."""

    issuer: str = Field(min_length=1)
    """The token's ``iss`` must be exactly this."""
    client_id: str = Field(min_length=1)
    """Our application's id at the provider: the token's ``aud`` must name it."""
    jwks_url: str = Field(min_length=1)
    """Where the provider publishes its signing keys (JSON Web Key Set)."""


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``OMNICRM_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="OMNICRM_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{Path('var/omnicrm.db').resolve()}"
    """SQLite file (the embedded default) or ``postgresql+psycopg://...``."""

    import_batch_size: int = 5000
    """Source records per import transaction: the unit that commits or rolls back whole."""

    default_currency: str = "RUB"

    future_tolerance_hours: int = Field(default=24, ge=0)
    """How far ahead of now an imported or streamed time may be (clocks of tills and exporting
    systems drift); a receipt or event later than that is rejected with its row. Birth dates
    may not be in the future at all."""

    production: bool = False
    """Refuse to start with a default or per-process random secret, and send the workstation's
    cookie over HTTPS only (see ``omnicrm.web.config.check_production``)."""

    sms_codes_per_key_burst: int = Field(default=20, ge=1)
    sms_codes_per_key_per_minute: float = Field(default=20, gt=0)
    """SMS codes one API key may request: a burst, then so many a minute (in-process bucket;
    each phone is also limited in the database: one a minute, five an hour)."""

    sign_ins_per_address_burst: int = Field(default=10, ge=1)
    sign_ins_per_address_per_minute: float = Field(default=10, gt=0)
    """Sign-in attempts from one client address (in-process bucket; a user is also locked
    after repeated failures)."""

    cart_abandon_after_minutes: int = Field(default=24 * 60, gt=0)
    """A cart with no add or remove for this long is abandoned (closed; an order closes it too).
    A day, so a cart started online one evening is still open at the till the next day."""

    privacy_key: str = "omnicrm-development-privacy-key"
    """Key of the suppression list's hashes (HMAC-SHA256 of an erased identifier). Set a secret
    of your own before the first erasure: changing it later lets erased people come back."""

    global_control_bp: int = Field(default=500, ge=0, le=10_000)
    """The global control group, in basis points of customers: never sent a marketing message,
    so every campaign's effect can be measured against customers who got none."""

    campaign_message_cost_minor: int = Field(default=0, ge=0)
    """What one queued message costs (provider fee), counted in a campaign's ROMI."""

    campaign_margin_bp: int = Field(default=3000, ge=0, le=10_000)
    """Gross margin on incremental revenue used for ROMI, in basis points."""

    public_base_url: str = "http://127.0.0.1:8000"
    """Where customers reach this service: unsubscribe links in messages point here."""

    link_secret: str = Field(default="change-me-unsubscribe-links-secret", min_length=16)
    """Signs unsubscribe links; set it in production (a link must verify after a restart)."""

    campaign_min_sample: int = Field(default=100, ge=1)
    """Customers each of treated and control needs before a result may be called significant."""

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

    api_key_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    """How long a server process trusts an API key it has read (revoking a key takes effect
    within this many seconds; 0: every request reads its key)."""

    customer_timezone: str = "Europe/Moscow"
    """The zone of a customer with no home store, for quiet hours and per-day caps (and of an
    online purchase's local hour in the analyses of when people buy)."""

    social_providers: dict[str, SocialProvider] = Field(default_factory=dict)
    """Social login providers by name, as JSON (``{"vk": {"issuer": ..., "client_id": ...,
    "jwks_url": ...}}``): a ``social`` enrolment verifies the provider's ``id_token`` against
    them; none configured, social enrolment is refused."""

    report_timezone: str = "Europe/Moscow"
    """The zone whose local days make the analyses' default period (``analytics.period``), on
    the API, the command line and the workstation (whose own zone defaults to it)."""

    spark_master: str = "local[2]"
    """Where ``--engine spark`` runs: ``local[N]`` on this machine or a cluster's master URL."""

    spark_shuffle_partitions: int = Field(default=8, ge=1)
    """Spark's partitions after a shuffle: a few for a laptop's snapshot, hundreds on a cluster."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
