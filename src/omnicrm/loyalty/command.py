"""``omnicrm loyalty ...``: load program files, run the expiry job, show an account."""

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from omnicrm.store.commandline import DbUrl, migrated_engine

app = typer.Typer(help="Loyalty programs, points expiry and accounts.", no_args_is_help=True)
programs_app = typer.Typer(help="Program configuration files.", no_args_is_help=True)
app.add_typer(programs_app, name="programs")


@programs_app.command("load")
def programs_load(
    file: Annotated[Path, typer.Argument(exists=True, help="A program file (.json or .yaml).")],
    db: DbUrl = None,
) -> None:
    """Validate a program file and store it as a new version (if it changed); registry members
    imported before any program get their accounts now."""
    from pydantic import ValidationError

    from omnicrm.loyalty.migration import load_program
    from omnicrm.loyalty.programs import read_program_file

    try:
        program = read_program_file(file)
    except (ValidationError, ValueError) as exc:
        typer.echo(f"{file}: invalid program\n{exc}", err=True)
        raise typer.Exit(1) from None
    version, changed, opened = load_program(migrated_engine(db), program)
    typer.echo(f"{program.code} v{version} {'loaded' if changed else 'unchanged'}")
    if opened:
        typer.echo(f"opened {opened:,} registry accounts that were waiting for a program")


@programs_app.command("examples")
def programs_examples() -> None:
    """List the example program files shipped with omnicrm."""
    from omnicrm.loyalty.programs import EXAMPLES

    for path in sorted(EXAMPLES.glob("*.*")):
        typer.echo(str(path))


@app.command("expire")
def expire(
    db: DbUrl = None,
    batch: Annotated[int, typer.Option(help="Lots per transaction.")] = 5000,
    now: Annotated[str | None, typer.Option(help="ISO time with offset (default: now).")] = None,
) -> None:
    """Burn expired points (safe to kill and rerun)."""
    from omnicrm.core.clock import parse_aware, utcnow
    from omnicrm.loyalty.expiry import expire_points

    at: datetime = parse_aware(now) if now else utcnow()
    report = expire_points(migrated_engine(db), at, batch=batch)
    typer.echo(
        f"expired {report.points} points in {report.lots} lots of {report.accounts} accounts "
        f"({report.batches} batches)"
    )


@app.command("account")
def account(
    account_id: Annotated[int, typer.Argument(help="Loyalty account id.")],
    db: DbUrl = None,
    rebuild: Annotated[bool, typer.Option(help="Re-derive the cached balance first.")] = False,
) -> None:
    """Show an account's balance, level and recent history as JSON."""
    from omnicrm.core.clock import utcnow
    from omnicrm.loyalty.expiry import rebuild_balance
    from omnicrm.loyalty.history import account_history
    from omnicrm.store.db import read_session

    engine = migrated_engine(db)
    if rebuild:
        fixed = rebuild_balance(engine, account_id)
        typer.echo(f"rebuilt: balance {fixed.balance}, debt {fixed.debt}, changed {fixed.changed}")
    with read_session(engine) as session:
        history = account_history(session, account_id, utcnow(), limit=50)
    typer.echo(json.dumps(history.model_dump(mode="json"), ensure_ascii=False, indent=2))


@app.command("liability")
def liability(
    db: DbUrl = None,
    as_of: Annotated[str | None, typer.Option(help="ISO time with offset (default: now).")] = None,
    since: Annotated[
        str | None, typer.Option(help="Settlement from (ISO time; default: the month's start).")
    ] = None,
    program: Annotated[str | None, typer.Option(help="Program code (default: the first).")] = None,
    table: Annotated[
        str | None, typer.Option(help="Write one table as a file instead of the JSON report.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx (with --table).")] = "csv",
    out: Annotated[Path | None, typer.Option(help="File for --table (default: stdout).")] = None,
) -> None:
    """The points liability report: outstanding points and their value, expected breakage,
    the monthly roll-forward, deferred revenue and partner settlement."""
    from omnicrm.core.clock import parse_aware, utcnow
    from omnicrm.core.errors import OmnicrmError
    from omnicrm.loyalty.liability_export import download
    from omnicrm.loyalty.liability_store import liability_report
    from omnicrm.store.db import read_session

    try:
        at = parse_aware(as_of) if as_of else utcnow()
        start = parse_aware(since) if since else None
        with read_session(migrated_engine(db)) as session:
            report = liability_report(session, program, at, start)
        if table is None:
            typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
            return
        data = download(report, table, fmt)
    except (OmnicrmError, ValueError) as exc:
        typer.echo(f"liability: {exc}", err=True)
        raise typer.Exit(1) from None
    if out is None:
        typer.echo(data.decode("utf-8-sig") if fmt == "csv" else data, nl=False)
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {out}")
