"""``omnicrm campaigns triggers run`` and ``omnicrm campaigns launch-due``: registered on the
campaigns command group by ``register(app)``. Run the trigger job from cron (every few minutes):
it also launches the scheduled campaigns that are due."""

import functools
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from sqlalchemy import Engine

from omnicrm.store.commandline import DbUrl, migrated_engine

triggers_app = typer.Typer(help="Triggered messages: run the job.", no_args_is_help=True)
Now = Annotated[
    str | None, typer.Option("--now", help="ISO time with a zone (default: the clock).")
]
SnapshotPath = Annotated[
    Path | None, typer.Option(help="The analytics DuckDB file (default: next to the database).")
]


def _now(value: str | None) -> datetime:
    from omnicrm.core.clock import utcnow

    if value is None:
        return utcnow()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("an ISO time with a zone", param_hint="--now") from None
    if at.tzinfo is None:
        raise typer.BadParameter("must carry a time zone", param_hint="--now")
    return at


def _snapshot(engine: Engine, path: Path | None) -> Callable[[], duckdb.DuckDBPyConnection]:
    """The analytics snapshot, refreshed the first time something needs it (a win-back trigger,
    a due campaign), not on every run."""
    from omnicrm.analytics.snapshot import Snapshot, default_path

    @functools.cache
    def cursor() -> duckdb.DuckDBPyConnection:
        snap = Snapshot(path or default_path(engine.url))
        snap.refresh(engine)
        return snap.cursor()

    return cursor


@triggers_app.command("run")
def run(db: DbUrl = None, now: Now = None, snapshot: SnapshotPath = None) -> None:
    """Queue every enabled trigger's messages since its last run, then launch due campaigns."""
    from omnicrm.campaigns import trigger_runs

    engine = migrated_engine(db)
    report = trigger_runs.run(engine, _snapshot(engine, snapshot), _now(now))
    typer.echo(json.dumps(asdict(report), indent=2))


def launch_due(db: DbUrl = None, now: Now = None, snapshot: SnapshotPath = None) -> None:
    """Launch the scheduled campaigns whose start has come (their audience frozen now)."""
    from omnicrm.campaigns import campaign

    engine = migrated_engine(db)
    launched = campaign.launch_due(engine, _snapshot(engine, snapshot), _now(now))
    typer.echo(json.dumps([asdict(done) for done in launched], indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.add_typer(triggers_app, name="triggers")
    app.command("launch-due")(launch_due)
