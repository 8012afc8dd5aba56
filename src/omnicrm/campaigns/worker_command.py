"""``omnicrm campaigns worker``: registered on the campaigns command group by
``register(app)``."""

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

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


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
