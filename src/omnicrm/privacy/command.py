"""``omnicrm privacy ...``: export a person's data and erase a person on request."""

from pathlib import Path
from typing import Annotated

import typer

from omnicrm.store.commandline import DbUrl, migrated_engine

app = typer.Typer(help="Personal-data rights: export and erasure.", no_args_is_help=True)


@app.command()
def export(
    customer_id: int,
    out: Annotated[Path, typer.Option(help="File to write.")],
    format: Annotated[
        str, typer.Option(help="json, or csv (a zip of one CSV per table).")
    ] = "json",
    db: DbUrl = None,
) -> None:
    """Everything held about the person behind CUSTOMER_ID (any of their ids)."""
    from omnicrm.core.clock import utcnow
    from omnicrm.privacy.export import FORMATS, export_bytes
    from omnicrm.privacy.holdings import holdings
    from omnicrm.store.db import read_session

    if format not in FORMATS:
        raise typer.BadParameter(f"one of {', '.join(FORMATS)}", param_hint="--format")
    with read_session(migrated_engine(db)) as session:
        held = holdings(session, customer_id)
    out.write_bytes(export_bytes(held, format, utcnow()))
    typer.echo(f"customer {held.customer_id} ({len(held.profile_ids)} profiles) -> {out}")


@app.command()
def erase(
    customer_id: int,
    reason: Annotated[str, typer.Option(help="Why (the request it answers).")],
    actor: Annotated[str, typer.Option(help="Who asks.")] = "cli",
    db: DbUrl = None,
) -> None:
    """Forget the person behind CUSTOMER_ID across every merged profile; orders and the ledger
    stay as anonymous facts."""
    from omnicrm.core.clock import utcnow
    from omnicrm.privacy.erasure import erase_customer
    from omnicrm.store.db import unit_of_work

    with unit_of_work(migrated_engine(db)) as session:
        erasure = erase_customer(session, customer_id, reason=reason, actor=actor, now=utcnow())
        typer.echo(f"erasure {erasure.id}: profiles {erasure.profile_ids} anonymised")
