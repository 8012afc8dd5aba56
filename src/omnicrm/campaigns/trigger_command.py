"""``omnicrm campaigns triggers run`` and ``omnicrm campaigns launch-due``: registered on the
campaigns command group by ``register(app)``. Run the trigger job from cron (every few minutes):
it also launches the scheduled campaigns that are due."""

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import Engine

if TYPE_CHECKING:
    from omnicrm.analytics.snapshot import Snapshot

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


def opener(engine: Engine, path: Path | None) -> Callable[[], "Snapshot"]:
    """How to open the analytics snapshot when something needs it (a win-back trigger, a due
    campaign): not on every run (``snapshots.on_demand``)."""
    from omnicrm.analytics.snapshot import Snapshot, default_path

    return lambda: Snapshot(path or default_path(engine.url))


@triggers_app.command("run")
def run(db: DbUrl = None, now: Now = None, snapshot: SnapshotPath = None) -> None:
    """Queue every enabled trigger's messages since its last run, then launch due campaigns."""
    from omnicrm.campaigns import snapshots, trigger_runs

    engine = migrated_engine(db)
    with snapshots.on_demand(engine, opener(engine, snapshot)) as cursor:
        report = trigger_runs.run(engine, cursor, _now(now))
    typer.echo(json.dumps(asdict(report), indent=2))


def launch_due(db: DbUrl = None, now: Now = None, snapshot: SnapshotPath = None) -> None:
    """Launch the scheduled campaigns whose start has come (their audience frozen now)."""
    from omnicrm.campaigns import campaign, snapshots

    engine = migrated_engine(db)
    with snapshots.on_demand(engine, opener(engine, snapshot)) as cursor:
        launched = campaign.launch_due(engine, cursor, _now(now))
    typer.echo(json.dumps([asdict(done) for done in launched], indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.add_typer(triggers_app, name="triggers")
    app.command("launch-due")(launch_due)
