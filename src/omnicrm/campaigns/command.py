"""``omnicrm audiences ...`` and ``omnicrm campaigns ...``: count a rule file, launch a
campaign, print its results; the sending worker (``campaigns worker``) joins from
``campaigns.worker_command``, an operator's changes (``schedule``, ``send-test``, ``pause``,
``resume``, ``policy``) from ``campaigns.operations_command``, the trigger job's
(``campaigns triggers run``, ``launch-due``) from ``campaigns.trigger_command``."""

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from omnicrm.campaigns import operations_command, trigger_command, worker_command
from omnicrm.store.commandline import DbUrl

audiences_app = typer.Typer(
    help="Audiences: rules over customers, counts, snapshots.", no_args_is_help=True
)
campaigns_app = typer.Typer(help="Campaigns: launch, results.", no_args_is_help=True)
SnapshotPath = Annotated[
    Path | None, typer.Option(help="The analytics DuckDB file (default: next to the database).")
]


def _open(db: str | None, snapshot: Path | None):  # type: ignore[no-untyped-def]
    from omnicrm.analytics.snapshot import Snapshot, default_path
    from omnicrm.store.commandline import migrated_engine

    engine = migrated_engine(db)
    snap = Snapshot(snapshot or default_path(engine.url))
    snap.refresh(engine)
    return engine, snap


def _json(value: object) -> str:
    return json.dumps(
        value,
        default=lambda v: v.isoformat() if isinstance(v, date | datetime) else str(v),
        indent=2,
        ensure_ascii=False,
    )


@audiences_app.command("count")
def count(
    file: Annotated[Path, typer.Argument(help="A JSON file holding one audience rule.")],
    db: DbUrl = None,
    snapshot: SnapshotPath = None,
) -> None:
    """How many customers the rule selects now."""
    from omnicrm.campaigns import audiences
    from omnicrm.core.clock import utcnow
    from omnicrm.promotions.repository import load_catalogue
    from omnicrm.store.db import read_session

    engine, snap = _open(db, snapshot)
    now = utcnow()
    with read_session(engine) as session:
        rule = audiences.validate(json.loads(file.read_text()), load_catalogue(session))
        live = audiences.live_tables(session.connection(), audiences.needs(rule), now)
    cursor = snap.cursor()
    typer.echo(len(audiences.members(cursor, rule, now, live)))
    cursor.close()


@campaigns_app.command("launch")
def launch(code: str, db: DbUrl = None, snapshot: SnapshotPath = None) -> None:
    """Freeze the audience, leave out the controls, queue every treated customer's message
    (again: queues only what is missing)."""
    from omnicrm.campaigns import campaign
    from omnicrm.core.clock import utcnow

    engine, snap = _open(db, snapshot)
    cursor = snap.cursor()
    typer.echo(_json(asdict(campaign.launch(engine, cursor, code, utcnow()))))
    cursor.close()


@campaigns_app.command("results")
def results(code: str, db: DbUrl = None, snapshot: SnapshotPath = None) -> None:
    """Treated against control over the measurement window: uplift, intervals, cost, ROMI."""
    from omnicrm.campaigns import campaign
    from omnicrm.store.db import read_session

    engine, snap = _open(db, snapshot)
    cursor = snap.cursor()
    with read_session(engine) as session:
        typer.echo(_json(asdict(campaign.results(session, cursor, code))))
    cursor.close()


worker_command.register(campaigns_app)
operations_command.register(campaigns_app)
trigger_command.register(campaigns_app)
