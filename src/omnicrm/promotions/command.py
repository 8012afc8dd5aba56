"""``omnicrm promotions ...``: create and publish promotions from rule files, generate coupons,
offer to customers, simulate over history."""

import json
from pathlib import Path
from typing import Annotated

import typer

from omnicrm.store.commandline import DbUrl, migrated_engine

app = typer.Typer(
    help="Promotions: rules, versions, coupons, offers, simulation.", no_args_is_help=True
)


def _fail(exc: Exception) -> None:
    typer.echo(str(exc), err=True)
    raise typer.Exit(1)


@app.command("save")
def save(
    file: Annotated[Path, typer.Argument(exists=True, help="Rules as JSON.")],
    db: DbUrl = None,
    publish: Annotated[bool, typer.Option(help="Publish it as well.")] = False,
) -> None:
    """Create a promotion (or replace its draft) from a rules file."""
    from omnicrm.core.clock import utcnow
    from omnicrm.core.errors import NotFound, OmnicrmError
    from omnicrm.promotions import lifecycle
    from omnicrm.store.db import unit_of_work

    data = json.loads(file.read_text(encoding="utf-8"))
    now = utcnow()
    try:
        with unit_of_work(migrated_engine(db)) as session:
            try:
                promotion = lifecycle.update_draft(session, str(data.get("code")), data, now)
            except NotFound:
                promotion = lifecycle.create_promotion(session, data, now)
            line = f"{promotion.code}: draft saved"
            if publish:
                version = lifecycle.publish_promotion(session, promotion.code, now)
                line += f", published v{version.version}"
    except OmnicrmError as exc:
        _fail(exc)
    typer.echo(line)


@app.command("publish")
def publish(code: str, db: DbUrl = None) -> None:
    """Put a promotion's draft in force as a new version."""
    from omnicrm.core.clock import utcnow
    from omnicrm.core.errors import OmnicrmError
    from omnicrm.promotions import lifecycle
    from omnicrm.store.db import unit_of_work

    try:
        with unit_of_work(migrated_engine(db)) as session:
            version = lifecycle.publish_promotion(session, code, utcnow())
    except OmnicrmError as exc:
        _fail(exc)
    typer.echo(f"{code} v{version.version} published")


@app.command("pause")
def pause(code: str, db: DbUrl = None) -> None:
    """Stop applying a promotion (publish resumes it)."""
    from omnicrm.core.clock import utcnow
    from omnicrm.core.errors import OmnicrmError
    from omnicrm.promotions import lifecycle
    from omnicrm.store.db import unit_of_work

    try:
        with unit_of_work(migrated_engine(db)) as session:
            lifecycle.pause_promotion(session, code, utcnow())
    except OmnicrmError as exc:
        _fail(exc)
    typer.echo(f"{code} paused")


@app.command("list")
def list_promotions(db: DbUrl = None) -> None:
    """Promotions with their status and version in force."""
    from sqlalchemy import select

    from omnicrm.store.db import read_session
    from omnicrm.store.schema.promotions import Promotion

    with read_session(migrated_engine(db)) as session:
        for p in session.scalars(select(Promotion).order_by(Promotion.code)):
            typer.echo(f"{p.code}\t{p.status}\tv{p.version or '-'}\t{p.name}")


@app.command("coupons")
def generate(
    code: str,
    count: Annotated[int, typer.Option(help="Unique codes to generate.")] = 0,
    mass: Annotated[str | None, typer.Option(help="A mass code instead.")] = None,
    max_uses: Annotated[int, typer.Option(help="Uses per code (0: unlimited).")] = 1,
    per_customer: Annotated[int, typer.Option(help="Uses per customer (0: no limit).")] = 0,
    out: Annotated[Path | None, typer.Option(help="Write the codes to this file.")] = None,
    db: DbUrl = None,
) -> None:
    """Generate a batch of coupon codes for a promotion."""
    from omnicrm.core.clock import utcnow
    from omnicrm.core.errors import OmnicrmError
    from omnicrm.promotions import coupons
    from omnicrm.store.db import read_session, unit_of_work

    engine = migrated_engine(db)
    try:
        with unit_of_work(engine) as session:
            batch = coupons.generate_coupons(
                session,
                code,
                utcnow(),
                count=count,
                code=mass,
                max_uses=max_uses or None,
                per_customer=per_customer or None,
            )
    except OmnicrmError as exc:
        _fail(exc)
    typer.echo(f"batch {batch.batch_id}: {batch.size} {batch.kind} code(s)")
    if out is not None:
        with read_session(engine) as session, out.open("w", encoding="utf-8") as f:
            after = 0
            while rows := coupons.list_codes(session, batch.batch_id, 100_000, after):
                f.writelines(f"{r['code']}\n" for r in rows)
                after = rows[-1]["id"]


@app.command("simulate")
def simulate(
    code: str,
    start: Annotated[str, typer.Option(help="ISO time with offset.")],
    end: Annotated[str, typer.Option(help="ISO time with offset.")],
    db: DbUrl = None,
) -> None:
    """What a promotion's draft would have cost on the receipts of a period (JSON)."""
    from omnicrm.core.clock import parse_aware
    from omnicrm.promotions import repository
    from omnicrm.promotions.simulate import simulate_promotion
    from omnicrm.promotions.validation import parse_rules
    from omnicrm.store.db import read_session

    with read_session(migrated_engine(db)) as session:
        rules = parse_rules(repository.get_promotion(session, code).draft)
        result = simulate_promotion(
            session.connection(), rules, parse_aware(start), parse_aware(end)
        )
    typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))


@app.command("romi")
def romi(
    code: str,
    since: Annotated[str | None, typer.Option(help="ISO time with offset.")] = None,
    until: Annotated[str | None, typer.Option(help="ISO time with offset.")] = None,
    db: DbUrl = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="The analytics DuckDB file (default: next to the database).")
    ] = None,
) -> None:
    """Revenue uplift against a control, the promotion's cost and ROMI, saying which
    comparison was used (JSON)."""
    from dataclasses import asdict

    from omnicrm.analytics.snapshot import Snapshot, default_path
    from omnicrm.campaigns import promotion_romi
    from omnicrm.core.clock import parse_aware, utcnow
    from omnicrm.core.errors import OmnicrmError
    from omnicrm.store.db import read_session

    engine = migrated_engine(db)
    snap = Snapshot(snapshot or default_path(engine.url))
    try:
        snap.refresh(engine)
        cursor = snap.cursor()
        with read_session(engine) as session:
            result = promotion_romi.romi(
                session,
                cursor,
                code,
                utcnow(),
                parse_aware(since) if since else None,
                parse_aware(until) if until else None,
            )
        cursor.close()
    except (OmnicrmError, ValueError) as exc:  # no such promotion, a time without its zone
        _fail(exc)
    finally:
        snap.close()
    typer.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2, default=str))
