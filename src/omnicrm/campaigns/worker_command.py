"""``omnicrm campaigns worker``, ``pause``, ``resume`` and ``policy``: registered on the
campaigns command group by ``register(app)``."""

import getpass
import json
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from omnicrm.campaigns import providers, sending_policy
from omnicrm.campaigns.trigger_command import SnapshotPath, opener
from omnicrm.campaigns.worker import SendingSettings, Worker
from omnicrm.core.settings import get_settings
from omnicrm.store.commandline import DbUrl, migrated_engine

SENDING_DEFAULTS = SendingSettings()


def worker(
    db: DbUrl = None,
    smtp_host: Annotated[str | None, typer.Option(help="Default: OMNICRM_SMTP_HOST.")] = None,
    smtp_port: Annotated[int | None, typer.Option(help="Default: OMNICRM_SMTP_PORT.")] = None,
    batch: Annotated[int, typer.Option(min=1, help="Messages claimed at a time.")] = 200,
    lease_seconds: Annotated[
        float, typer.Option(min=1, help="A killed worker's claims are free again after this.")
    ] = 60.0,
    until_idle: Annotated[
        bool, typer.Option(help="Stop when nothing is due (default: keep polling).")
    ] = False,
    poll_seconds: Annotated[float, typer.Option(min=0.05)] = 1.0,
    commit_every: Annotated[
        int,
        typer.Option(
            min=1, help="Outcomes committed together: a kill may send up to this many again."
        ),
    ] = SENDING_DEFAULTS.commit_every,
    senders: Annotated[
        int, typer.Option(min=1, help="Sending threads, each with its own connection.")
    ] = SENDING_DEFAULTS.senders,
    launch_due: Annotated[
        bool, typer.Option(help="Launch scheduled campaigns when their start comes.")
    ] = True,
    snapshot: SnapshotPath = None,
) -> None:
    """Send the outbox: claim due messages, pass each through the policy gate (the caps and
    quiet hours of ``campaigns policy``, read for every batch), send, record; and launch each
    scheduled campaign when its start comes."""
    settings = SendingSettings(
        batch=batch,
        lease=timedelta(seconds=lease_seconds),
        commit_every=commit_every,
        senders=senders,
        default_timezone=get_settings().customer_timezone,
    )
    engine = migrated_engine(db)
    sender = Worker(
        engine, providers.from_settings(smtp_host, smtp_port), sending_policy.policy, settings
    )
    due = _launcher(engine, snapshot) if launch_due else None
    report = sender.run(until_idle=until_idle, poll_seconds=poll_seconds, due=due)
    typer.echo(", ".join(f"{n} {status}" for status, n in sorted(report.items())) or "nothing due")


def _launcher(engine: Engine, path: Path | None) -> Callable[[datetime], int]:
    """The scheduled launch in the worker's loop: a cheap look for due campaigns on every
    round; the snapshot is opened (and closed again) only when one is due."""
    from omnicrm.campaigns import campaign, snapshots

    def launch(now: datetime) -> int:
        with snapshots.on_demand(engine, opener(engine, path)) as cursor:
            return len(campaign.launch_due(engine, cursor, now))

    return launch


def _change(action: Callable[[Session], object], db: str | None, done: str) -> None:
    """Run an operator's change in one unit of work; a refusal is printed, exit status 1."""
    from omnicrm.core.errors import OmnicrmError
    from omnicrm.store.db import unit_of_work

    try:
        with unit_of_work(migrated_engine(db)) as session:
            action(session)
    except OmnicrmError as exc:
        typer.echo(_refusal(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(done)


def _refusal(exc: Exception) -> str:
    from omnicrm.core.errors import InvalidRecord

    if isinstance(exc, InvalidRecord):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return str(exc)


def pause(campaign: str, db: DbUrl = None) -> None:
    """Pause a campaign's sending by hand (``resume`` lifts it)."""
    from omnicrm.campaigns import operations
    from omnicrm.core.clock import utcnow

    who = f"cli:{getpass.getuser()}"
    _change(lambda s: operations.pause(s, campaign, utcnow(), who), db, f"paused {campaign}")


def resume(campaign: str, db: DbUrl = None) -> None:
    """Resume a campaign paused by hand or after consecutive send errors."""
    from omnicrm.campaigns import operations

    _change(lambda s: operations.resume(s, campaign), db, f"resumed {campaign}")


def policy(
    db: DbUrl = None,
    channel_day: Annotated[int | None, typer.Option(help="Per channel, per local day.")] = None,
    channel_week: Annotated[int | None, typer.Option(help="Per channel, per week.")] = None,
    day: Annotated[int | None, typer.Option(help="All channels, per local day.")] = None,
    week: Annotated[int | None, typer.Option(help="All channels, per week.")] = None,
    quiet_from: Annotated[int | None, typer.Option(help="Quiet hours start (0-23).")] = None,
    quiet_until: Annotated[int | None, typer.Option(help="Quiet hours end (0-23).")] = None,
) -> None:
    """Show the frequency caps and quiet hours; with options, change them (checked first:
    a bad value changes nothing)."""
    from omnicrm.core.clock import utcnow

    engine = migrated_engine(db)
    with engine.connect() as conn:
        limits = sending_policy.load(conn)
    given = {
        "channel_day": channel_day,
        "channel_week": channel_week,
        "day": day,
        "week": week,
        "quiet_from_hour": quiet_from,
        "quiet_until_hour": quiet_until,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if changes:
        limits = replace(limits, **changes)
        who = f"cli:{getpass.getuser()}"
        _change(lambda s: sending_policy.save(s.connection(), limits, utcnow(), who), db, "saved")
    typer.echo(json.dumps(asdict(limits), indent=2))


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("pause")(pause)
    app.command("resume")(resume)
    app.command("policy")(policy)
