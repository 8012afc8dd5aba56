"""``omnicrm surveys ...``: create a questionnaire from a JSON file, invite a period's orders,
print the scores (``omnicrm surveys scores nps --by store``)."""

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from omnicrm.store.commandline import DbUrl

app = typer.Typer(
    help="Surveys: NPS and CSI questionnaires, invitations, scores.", no_args_is_help=True
)
When = Annotated[datetime | None, typer.Option(help="ISO time, UTC unless it says otherwise.")]


def _utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@app.command("create")
def create(
    file: Annotated[Path, typer.Argument(help="JSON: code, name, kind (nps|csi), questions.")],
    db: DbUrl = None,
) -> None:
    """Save a questionnaire (see surveys/questionnaires/*.json)."""
    from omnicrm.core.clock import utcnow
    from omnicrm.store.commandline import migrated_engine
    from omnicrm.surveys import repository
    from omnicrm.surveys.questionnaire import parse

    data = json.loads(file.read_text(encoding="utf-8"))
    q = parse(
        data.get("code", ""), data.get("name", ""), data.get("kind", ""), data.get("questions")
    )
    with migrated_engine(db).begin() as conn:
        repository.create(conn, q, utcnow())
    typer.echo(f"survey {q.code} ({q.kind}, {len(q.questions)} questions)")


@app.command("invite")
def invite(
    code: str,
    since: Annotated[datetime, typer.Option(help="Orders placed from (UTC).")],
    until: Annotated[datetime, typer.Option(help="Orders placed before (UTC).")],
    channel: Annotated[str, typer.Option(help="email | sms | push | messenger")] = "email",
    db: DbUrl = None,
) -> None:
    """Invite the customers of the period's orders not invited yet (into the outbox)."""
    from omnicrm.core.clock import utcnow
    from omnicrm.store.commandline import migrated_engine
    from omnicrm.surveys.invitations import invite_period

    with migrated_engine(db).begin() as conn:
        made = invite_period(conn, code, _utc(since), _utc(until), utcnow(), channel)  # type: ignore[arg-type]
    typer.echo(f"invited {made}")


@app.command("scores")
def scores(
    code: str,
    by: Annotated[str | None, typer.Option(help="store | channel | segment | month")] = None,
    since: When = None,
    until: When = None,
    db: DbUrl = None,
) -> None:
    """NPS (% promoters - % detractors) or CSI (mean, % satisfied), with the counts."""
    from rich.console import Console
    from rich.table import Table

    from omnicrm.analytics.snapshot import Snapshot, default_path
    from omnicrm.core.clock import utcnow
    from omnicrm.store.commandline import migrated_engine
    from omnicrm.surveys.report import scores as compute

    engine = migrated_engine(db)

    def snapshot():  # type: ignore[no-untyped-def]
        snap = Snapshot(default_path(engine.url))
        snap.refresh(engine)
        return snap.cursor()

    with engine.connect() as conn:
        kind, rows = compute(
            conn, code, by=by, since=_utc(since), until=_utc(until), now=utcnow(), snapshot=snapshot
        )
    table = Table(title=f"{code} ({kind})")
    columns = ["group", "answers", kind.upper()]
    columns += ["promoters", "passives", "detractors"] if kind == "nps" else ["% satisfied"]
    for column in columns:
        table.add_column(column, justify="left" if column == "group" else "right")
    for r in rows:
        extra = [r.promoters, r.passives, r.detractors] if kind == "nps" else [r.satisfied_pct]
        table.add_row(
            *(str("-" if v is None else v) for v in [r.group, r.answers, r.value, *extra])
        )
    Console().print(table)
