"""``omnicrm identity ...``: resolve, inspect and correct identity from the command line."""

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from omnicrm.store.commandline import DbUrl, migrated_engine

app = typer.Typer(help="Identity resolution: one customer, one profile.", no_args_is_help=True)
console = Console()


@app.command()
def resolve(
    db: DbUrl = None,
    probabilistic: Annotated[bool, typer.Option(help="Also run the Splink stage.")] = False,
) -> None:
    """Re-resolve every record in bulk and print what changed."""
    from omnicrm.identity.resolve import resolve_all

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as bar:
        task = bar.add_task("reading records", total=None)
        report = resolve_all(
            migrated_engine(db),
            probabilistic=probabilistic,
            progress=lambda done: bar.update(task, description=f"{done} done"),
        )
    console.print_json(json.dumps(report.as_dict(), default=str))


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
) -> None:
    """List the review queue, or decide one item."""
    from omnicrm.identity import review as queue
    from omnicrm.store.db import unit_of_work

    with unit_of_work(migrated_engine(db)) as session:
        if approve is not None:
            queue.approve(session, approve)
        if reject is not None:
            queue.reject(session, reject)
        table = Table("id", "left", "right", "score", "evidence")
        for item in queue.pending(session):
            table.add_row(
                str(item.id),
                str(item.left_id),
                str(item.right_id),
                f"{item.score:.3f}",
                json.dumps(item.evidence, ensure_ascii=False),
            )
    console.print(table)


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
