"""Schema migrations through Alembic, driven from code (no alembic.ini to keep in sync).

Each capability may own a branch of revisions rooted at ``0001`` (the foundation), so packages
evolve their tables independently; ``upgrade`` goes to every head."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _run(engine: Engine, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        fn(config, *args, **kwargs)


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to ``revision`` (default: the newest of every branch)."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new revision from the models (a developer command)."""
    _run(engine, command.revision, message=message, autogenerate=True)


def check(engine: Engine) -> None:
    """Raise if the models and the migrated database differ."""
    _run(engine, command.check)
