"""``omnicrm web ...``: staff users from the command line (the first administrator comes from
here; the rest can be managed on the Users page)."""

import sys
from typing import Annotated

import typer

from omnicrm.web.roles import Role

app = typer.Typer(no_args_is_help=True)


# The callback keeps this a group even with one command (typer would otherwise collapse it), so
# that ``omnicrm web create-user`` keeps its name as commands are added.
@app.callback()
def _group() -> None:
    """The staff workstation: users and roles."""


@app.command("create-user")
def create_user(
    name: Annotated[str, typer.Argument(help="Username to sign in with, e.g. 'anna.petrova'.")],
    role: Annotated[Role, typer.Option(help="What the user may see and change.")],
    full_name: Annotated[str | None, typer.Option(help="Shown in the workstation.")] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input (for scripts).")
    ] = False,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (default: configured).")] = (
        None
    ),
) -> None:
    """Create a staff user; the password is prompted for (twice) unless --password-stdin."""
    from omnicrm.core.clock import utcnow
    from omnicrm.core.errors import InvalidRecord
    from omnicrm.store.db import get_engine, unit_of_work
    from omnicrm.store.migrate import upgrade
    from omnicrm.web.staff import NewUser
    from omnicrm.web.staff import create_user as create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = get_engine(db)
    upgrade(engine)
    try:
        with unit_of_work(engine) as session:
            create(session, NewUser(name, full_name or name, role, password), utcnow())
    except InvalidRecord as exc:
        for problem in exc.errors:
            typer.echo(f"{problem.field}: {problem.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {name} ({role.value})")
