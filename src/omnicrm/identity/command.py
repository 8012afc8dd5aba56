"""``omnicrm identity ...``: resolve, inspect and correct identity from the command line."""

import json
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from omnicrm.store.commandline import DbUrl, migrated_engine

app = typer.Typer(help="Identity resolution: one customer, one profile.", no_args_is_help=True)
console = Console()
BY = "cli"


def _change(db: str | None, action: Callable) -> object:  # type: ignore[type-arg]
    """Run an operator's change in one unit of work; a refusal is printed, exit status 1."""
    from omnicrm.core.errors import InvalidRecord, OmnicrmError
    from omnicrm.store.db import unit_of_work

    try:
        with unit_of_work(migrated_engine(db)) as session:
            return action(session)
    except OmnicrmError as exc:
        errors = exc.errors if isinstance(exc, InvalidRecord) else []
        typer.echo("; ".join(f"{e.field}: {e.message}" for e in errors) or exc.message, err=True)
        raise typer.Exit(1) from None


@app.command()
def resolve(
    db: DbUrl = None,
    probabilistic: Annotated[bool, typer.Option(help="Also run the Splink stage.")] = False,
    engine: Annotated[
        str, typer.Option(help="Where Splink scores: duckdb, or spark (OMNICRM_SPARK_MASTER).")
    ] = "duckdb",
) -> None:
    """Re-resolve every record in bulk and print what changed."""
    from omnicrm.identity.resolve import resolve_all

    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter(f"--engine is duckdb or spark, not {engine!r}")
    db_api = _spark_api() if engine == "spark" else None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as bar:
        task = bar.add_task("reading records", total=None)
        report = resolve_all(
            migrated_engine(db),
            probabilistic=probabilistic,
            progress=lambda done: bar.update(task, description=f"{done} done"),
            db_api=db_api,
        )
    console.print_json(json.dumps(report.as_dict(), default=str))


def _spark_api():  # type: ignore[no-untyped-def]
    from omnicrm.core.spark import java_missing, session
    from omnicrm.identity.spark_linker import spark_api

    if reason := java_missing():
        raise typer.BadParameter(f"--engine spark: {reason}")
    return spark_api(session())


@app.command()
def cards(db: DbUrl = None) -> None:
    """Duplicate, orphan and shared (house) loyalty cards."""
    from omnicrm.identity.cards import cards_report
    from omnicrm.store.db import read_session

    with read_session(migrated_engine(db)) as session:
        report = cards_report(session)
    for title, rows in (
        ("duplicates", report.duplicates),
        ("shared", report.shared),
        ("orphans", report.orphans),
    ):
        table = Table(title=f"{title} ({len(rows)})")
        keys = list(rows[0])[:6] if rows else ["card"]
        for key in keys:
            table.add_column(key)
        for row in rows[:50]:
            table.add_row(*(str(row.get(k)) for k in keys))
        console.print(table)


@app.command()
def review(
    db: DbUrl = None,
    approve: Annotated[int | None, typer.Option(help="Approve this item.")] = None,
    reject: Annotated[int | None, typer.Option(help="Reject this item.")] = None,
    approve_from: Annotated[
        float | None, typer.Option(help="Approve every pending item scoring at least this.")
    ] = None,
    reject_below: Annotated[
        float | None, typer.Option(help="Reject every pending item scoring below this.")
    ] = None,
) -> None:
    """List the review queue (stale items closed, never shown), or decide one item, or many by
    score (each recorded as a bulk decision from the command line)."""
    from omnicrm.identity import review as queue

    def act(session):  # type: ignore[no-untyped-def]
        if approve is not None:
            queue.approve(session, approve, by=BY)
        if reject is not None:
            queue.reject(session, reject, by=BY)
        if approve_from is not None or reject_below is not None:
            done = queue.bulk(session, by=BY, approve_from=approve_from, reject_below=reject_below)
            console.print_json(json.dumps(done))
        queue.close_stale(session)
        table = Table("id", "left", "right", "score", "why", "evidence")
        for item in queue.pending(session):
            table.add_row(
                str(item.id),
                str(item.left_id),
                str(item.right_id),
                f"{item.score:.3f}",
                item.queued_because or "",
                json.dumps(item.evidence, ensure_ascii=False),
            )
        return table

    console.print(_change(db, act))


@app.command()
def settings(
    db: DbUrl = None,
    merge_at: Annotated[float | None, typer.Option(help="Merge from this probability.")] = None,
    review_at: Annotated[float | None, typer.Option(help="Review from this probability.")] = None,
    breaker_factor: Annotated[
        float | None, typer.Option(help="Trip at this many times the baseline rate.")
    ] = None,
    breaker_floor: Annotated[
        int | None, typer.Option(help="Never trip at this many merges or fewer.")
    ] = None,
    breaker_window: Annotated[
        int | None, typer.Option(help="Earlier batches in the baseline median.")
    ] = None,
    stream_batch: Annotated[int | None, typer.Option(help="Streamed records per batch.")] = None,
) -> None:
    """Show or change the matching thresholds and the circuit breaker's settings (checked; a bad
    value changes nothing)."""
    from omnicrm.core.clock import utcnow
    from omnicrm.identity import thresholds

    given = {
        "merge_at": merge_at, "review_at": review_at, "breaker_factor": breaker_factor,
        "breaker_floor": breaker_floor, "breaker_window": breaker_window,
        "stream_batch": stream_batch,
    }  # fmt: skip
    changes = {k: v for k, v in given.items() if v is not None}
    result = _change(
        db,
        lambda s: (
            thresholds.save(s, changes, utcnow(), BY) if changes else thresholds.load(s)
        ).as_dict(),
    )
    console.print_json(json.dumps(result))


@app.command()
def status(
    db: DbUrl = None,
    reset_breaker: Annotated[
        bool, typer.Option(help="Close the circuit breaker: automatic merging runs again.")
    ] = False,
) -> None:
    """Settings, the circuit breaker (open or not, and why), its latest batches, the queue."""
    from omnicrm.identity import breaker
    from omnicrm.identity import review as queue

    def act(session):  # type: ignore[no-untyped-def]
        if reset_breaker:
            breaker.reset(session, BY)
        return {**breaker.status(session), "review": queue.counts(session)}

    console.print_json(json.dumps(_change(db, act), default=str))


@app.command()
def unmerge(merge_id: int, db: DbUrl = None) -> None:
    """Undo a merge; both profiles get their records back and are never linked again."""
    from omnicrm.identity.merge import unmerge as undo
    from omnicrm.store.db import unit_of_work

    with unit_of_work(migrated_engine(db)) as session:
        change = undo(session, merge_id)
    console.print_json(json.dumps(change.as_dict()))


@app.command()
def show(customer_id: int, db: DbUrl = None) -> None:
    """A profile with its identifiers, consents and journey."""
    from omnicrm.customers.journey import journey
    from omnicrm.customers.queries import get_customer
    from omnicrm.store.db import read_session

    with read_session(migrated_engine(db)) as session:
        profile = get_customer(session, customer_id)
        steps = journey(session, customer_id, limit=50).items
    console.print_json(profile.model_dump_json())
    table = Table("at", "channel", "kind", "ref")
    for step in steps:
        table.add_row(step.at.isoformat(), step.channel, step.kind, step.ref)
    console.print(table)
