"""``omnicrm campaigns worker`` and ``omnicrm campaigns resume``: registered on the campaigns
command group by ``register(app)``."""

from datetime import time, timedelta
from typing import Annotated

import typer

from omnicrm.campaigns.gate import Policy
from omnicrm.campaigns.worker import SendingSettings, Worker
from omnicrm.core.settings import get_settings
from omnicrm.store.commandline import DbUrl, migrated_engine

SENDING_DEFAULTS = SendingSettings()


def policy_from_settings() -> Policy:
    s = get_settings()
    return Policy(
        global_control_bp=s.global_control_bp,
        quiet_from=time(s.quiet_from_hour),
        quiet_until=time(s.quiet_until_hour),
    )


def providers_from_settings(smtp_host: str | None, smtp_port: int | None) -> dict:
    """E-mail over SMTP always; sms, push and messenger when a webhook provider is configured."""
    from omnicrm.campaigns.channels.smtp import SmtpProvider
    from omnicrm.campaigns.channels.webhook import WebhookProvider

    s = get_settings()
    providers: dict = {
        "email": SmtpProvider(smtp_host or s.smtp_host, smtp_port or s.smtp_port, s.smtp_sender)
    }
    if s.webhook_url:
        webhook = WebhookProvider(s.webhook_url, s.webhook_token)
        providers.update(sms=webhook, push=webhook, messenger=webhook)
    return providers


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
) -> None:
    """Send the outbox: claim due messages, pass each through the policy gate, send, record."""
    settings = SendingSettings(
        batch=batch,
        lease=timedelta(seconds=lease_seconds),
        commit_every=commit_every,
        senders=senders,
        default_timezone=get_settings().customer_timezone,
    )
    engine = migrated_engine(db)
    sender = Worker(
        engine, providers_from_settings(smtp_host, smtp_port), policy_from_settings(), settings
    )
    report = sender.run(until_idle=until_idle, poll_seconds=poll_seconds)
    typer.echo(", ".join(f"{n} {status}" for status, n in sorted(report.items())) or "nothing due")


def resume(campaign: str, db: DbUrl = None) -> None:
    """Resume a campaign that paused itself after consecutive send errors."""
    from omnicrm.campaigns.messages import resume as resume_campaign

    with migrated_engine(db).begin() as conn:
        if not resume_campaign(conn, campaign):
            typer.echo(f"campaign {campaign!r} is not paused", err=True)
            raise typer.Exit(1)
    typer.echo(f"resumed {campaign}")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("resume")(resume)
