"""One cached settings object, read from the environment (prefix ``OMNICRM_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``OMNICRM_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="OMNICRM_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{Path('var/omnicrm.db').resolve()}"
    """SQLite file (the embedded default) or ``postgresql+psycopg://...``."""

    import_batch_size: int = 5000
    """Source records per import transaction: the unit that commits or rolls back whole."""

    default_currency: str = "RUB"


@lru_cache
def get_settings() -> Settings:
    return Settings()
