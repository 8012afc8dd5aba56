"""``omnicrm campaigns schedule / send-test / pause / resume / policy``: what an operator does
to a campaign and to the sending policy, through the use cases the API and the workstation
call; registered on the campaigns command group by ``register(app)``. A refusal is printed
(naming the field) with exit status 1, and nothing is changed."""

import getpass
import json
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from omnicrm.store.commandline import DbUrl, migrated_engine


def _who() -> str:
    return f"cli:{getpass.getuser()}"


def _refusal(exc: Exception) -> str:
    from omnicrm.core.errors import InvalidRecord

    if isinstance(exc, InvalidRecord):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return str(exc)


def _change(action: Callable[[Session], object], db: str | None) -> object:
    """Run an operator's change in one unit of work; a refusal is printed, exit status 1."""
    from omnicrm.core.errors import OmnicrmError
    from omnicrm.store.db import unit_of_work

    try:
        with unit_of_work(migrated_engine(db)) as session:
            return action(session)
    except OmnicrmError as exc:
        typer.echo(_refusal(exc), err=True)
        raise typer.Exit(1) from None


def schedule(
    code: str,
    at: Annotated[
        str | None,
        typer.Option(help="Local start, e.g. 2026-12-05T10:00 (a zone in it wins over --zone)."),
    ] = None,
    zone: Annotated[
        str | None, typer.Option(help="The store's IANA zone (default: OMNICRM_CUSTOMER_TIMEZONE).")
    ] = None,
    clear: Annotated[bool, typer.Option(help="Take the schedule back: a draft again.")] = False,
    db: DbUrl = None,
) -> None:
    """Schedule a campaign's launch (the worker and the trigger job launch it when due)."""
    from omnicrm.campaigns import operations
    from omnicrm.core.clock import utcnow
    from omnicrm.core.settings import get_settings

    if clear:
        _change(lambda s: operations.unschedule(s, code), db)
        typer.echo(f"{code}: draft")
        return
    if at is None:
        raise typer.BadParameter("give the start (or --clear)", param_hint="--at")
    try:
        local = datetime.fromisoformat(at)
    except ValueError:
        raise typer.BadParameter("an ISO date and time", param_hint="--at") from None
    if local.tzinfo is not None:
        starts_at = local
    else:
        name = zone or get_settings().customer_timezone
        starts_at = _change(lambda _s: operations.local_start(local.date(), local.time(), name), db)
    done = _change(lambda s: operations.schedule(s, code, starts_at, utcnow()).starts_at, db)
    typer.echo(f"{code}: scheduled at {done.isoformat()}")  # type: ignore[attr-defined]


def send_test(
    code: str,
    customer: Annotated[int, typer.Option(min=1, help="The real customer to render for.")],
    to: Annotated[str, typer.Option(help="The test e-mail address or phone number.")],
    db: DbUrl = None,
) -> None:
    """Render every variant for the customer and send it now to ``--to``, marked [TEST]
    (through OMNICRM_SMTP_* / OMNICRM_WEBHOOK_*; not in the outbox, results or caps)."""
    from omnicrm.campaigns import operations, providers
    from omnicrm.core.clock import utcnow

    made = providers.from_settings()
    try:
        sent = _change(lambda s: operations.send_test(s, made, code, customer, to, utcnow()), db)
    finally:
        for provider in {id(p): p for p in made.values()}.values():
            provider.close()
    outcomes = [asdict(s) for s in sent]  # type: ignore[attr-defined]
    typer.echo(json.dumps(outcomes, indent=2, ensure_ascii=False))
    if any(s["status"] != "sent" for s in outcomes):
        raise typer.Exit(1)


def pause(code: str, db: DbUrl = None) -> None:
    """Pause a campaign's sending by hand (``resume`` lifts it)."""
    from omnicrm.campaigns import operations
    from omnicrm.core.clock import utcnow

    _change(lambda s: operations.pause(s, code, utcnow(), _who()), db)
    typer.echo(f"paused {code}")


def resume(code: str, db: DbUrl = None) -> None:
    """Resume a campaign paused by hand or after consecutive send errors."""
    from omnicrm.campaigns import operations

    _change(lambda s: operations.resume(s, code), db)
    typer.echo(f"resumed {code}")


Cap = Annotated[int | None, typer.Option(help="Marketing messages, 0 and up.")]
Hour = Annotated[int | None, typer.Option(help="Customer-local hour, 0-23.")]


def policy(
    db: DbUrl = None,
    channel_day: Cap = None,
    channel_week: Cap = None,
    day: Cap = None,
    week: Cap = None,
    quiet_from: Hour = None,
    quiet_until: Hour = None,
) -> None:
    """Show the frequency caps (per channel and over all channels, per customer-local day and
    week) and quiet hours; with options, change them (checked first: a bad value changes
    nothing). The worker applies a change from its next batch."""
    from omnicrm.campaigns import sending_policy
    from omnicrm.core.clock import utcnow

    with migrated_engine(db).connect() as conn:
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
        _change(lambda s: sending_policy.save(s.connection(), limits, utcnow(), _who()), db)
    typer.echo(json.dumps(asdict(limits), indent=2))


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
    app.command("send-test")(send_test)
    app.command("pause")(pause)
    app.command("resume")(resume)
    app.command("policy")(policy)
