"""What every command that touches the store takes: the ``--db`` option and a migrated engine."""

from typing import Annotated

import typer
from sqlalchemy import Engine

DbUrl = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: OMNICRM_DATABASE_URL or var/omnicrm.db)."),
]


def migrated_engine(url: str | None = None) -> Engine:
    """The engine for ``url``, its schema brought up to date (no command runs on an old one)."""
    from omnicrm.store.db import get_engine
    from omnicrm.store.migrate import upgrade

    engine = get_engine(url)
    upgrade(engine)
    return engine
