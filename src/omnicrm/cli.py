"""The one command line: ``omnicrm --help`` lists everything."""

from pathlib import Path
from typing import Annotated

import typer

from omnicrm.analytics.command import app as analytics_app
from omnicrm.campaigns.command import audiences_app, campaigns_app
from omnicrm.identity.command import app as identity_app
from omnicrm.ingest.command import import_data
from omnicrm.loyalty.command import app as loyalty_app
from omnicrm.predict.command import app as predict_app
from omnicrm.privacy.command import app as privacy_app
from omnicrm.promotions.command import app as promotions_app
from omnicrm.store.commandline import DbUrl, migrated_engine
from omnicrm.surveys.command import app as surveys_app
from omnicrm.synth.command import synth
from omnicrm.web.command import app as web_app
from omnicrm.wiring import wire

wire()  # the command line runs the till too (the demo's replay)

app = typer.Typer(
    help="omnicrm: omnichannel CRM and loyalty for retail chains.", no_args_is_help=True
)
app.command("synth")(synth)
app.command("import")(import_data)

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for tills, sites, apps and partners.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(identity_app, name="identity")
app.add_typer(loyalty_app, name="loyalty")
app.add_typer(web_app, name="web")
app.add_typer(promotions_app, name="promotions")
app.add_typer(analytics_app, name="analytics")
app.add_typer(privacy_app, name="privacy")
app.add_typer(audiences_app, name="audiences")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(surveys_app, name="surveys")
app.add_typer(predict_app, name="predict")


@db_app.command("upgrade")
def db_upgrade(db: DbUrl = None) -> None:
    """Create or migrate the schema to the newest version."""
    migrated_engine(db)
    typer.echo("schema is up to date")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who the key is for, e.g. 'pos-store-001'.")],
    scope: Annotated[list[str], typer.Option(help="Scope such as ingest:pos or ingest:*.")],
    db: DbUrl = None,
) -> None:
    """Issue an API key; the secret is printed once."""
    from omnicrm.access.keys import create_key
    from omnicrm.store.db import unit_of_work

    with unit_of_work(migrated_engine(db)) as session:
        typer.echo(create_key(session, name, scope))


@keys_app.command("revoke")
def keys_revoke(name: str, db: DbUrl = None) -> None:
    """Revoke a key at once."""
    from omnicrm.access.keys import revoke_key
    from omnicrm.store.db import unit_of_work

    with unit_of_work(migrated_engine(db)) as session:
        revoke_key(session, name)
    typer.echo(f"revoked {name}")


@app.command()
def serve(
    db: DbUrl = None,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Run the API (and docs at /docs)."""
    import uvicorn

    from omnicrm.api.access_log import hide_query_strings
    from omnicrm.api.app import create_app

    hide_query_strings()
    uvicorn.run(create_app(migrated_engine(db)), host=host, port=port)


def _train_predictions(engine) -> None:  # type: ignore[no-untyped-def]
    """Fit and score every model on the demo data, so the 360 pages show predictions."""
    from omnicrm.analytics.snapshot import Snapshot, default_path
    from omnicrm.core.clock import utcnow
    from omnicrm.core.errors import Conflict
    from omnicrm.predict import models, training

    snapshot = Snapshot(default_path(engine.url))
    try:
        snapshot.refresh(engine)
        for kind in models.KINDS:
            try:
                (v,) = training.train(engine, snapshot, [kind], utcnow())
            except Conflict as e:  # too little history for this model: say so, go on
                typer.echo(f"predictions: {e}")
                continue
            typer.echo(f"predictions: {kind} v{v.version}, {v.customers_scored:,} customers scored")
    finally:
        snapshot.close()


@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="Synthetic customers to generate.")] = 3000,
    data_dir: Annotated[Path, typer.Option(help="Where the demo data goes.")] = Path(
        "var/demo-data"
    ),
    db: DbUrl = None,
    port: int = 8000,
    no_serve: Annotated[
        bool, typer.Option(help="Prepare the data, do not start the server.")
    ] = False,
) -> None:
    """Generate demo data, load the bundled loyalty program, import the data (the registry
    migrates into the program), resolve identities, sell the newest member receipts again
    through the till, and start the API on http://127.0.0.1:PORT."""
    import json

    from omnicrm.access.keys import rotate_key
    from omnicrm.core.clock import utcnow
    from omnicrm.identity.resolve import resolve_all
    from omnicrm.ingest.bulk import import_directory
    from omnicrm.loyalty import replay
    from omnicrm.loyalty.expiry import expire_points
    from omnicrm.loyalty.migration import load_program
    from omnicrm.loyalty.programs import EXAMPLES, read_program_file
    from omnicrm.store.db import unit_of_work
    from omnicrm.synth import generate
    from omnicrm.web.demo import ensure_demo_users

    engine = migrated_engine(db)
    if not (data_dir / "manifest.json").exists():
        typer.echo(f"generating {customers} synthetic customers into {data_dir}")
        generate(data_dir, customers=customers, seed=42)
        replay.hold_back(data_dir, receipts=max(50, customers // 10))
    program = read_program_file(EXAMPLES / "retail.json")
    load_program(engine, program)
    typer.echo(f"loyalty program: {program.name} ({program.code})")
    typer.echo("importing demo data")
    import_directory(engine, data_dir)
    typer.echo("resolving customer identities")
    resolve_all(engine)
    replayed = replay.replay(engine, data_dir)
    expired = expire_points(engine, utcnow())
    typer.echo(f"expiry job: {expired.points:,} points expired in {expired.lots:,} lots")
    refused = ", ".join(f"{n} {code}" for code, n in sorted(replayed.refused.items()))
    typer.echo(
        f"till: {replayed.sales} receipts and {replayed.returns} returns sold again, "
        f"{replayed.points_spent:,} points spent" + (f" (refused: {refused})" if refused else "")
    )
    _train_predictions(engine)
    for login in ensure_demo_users(engine):
        typer.echo(f"  sign in: {login}")
    with unit_of_work(engine) as session:
        secret = rotate_key(session, "demo", ["*"])
    typer.echo(f"  API key (X-API-Key header, all scopes): {secret}")
    sample = replay.sample_receipt(engine, utcnow())
    if sample is not None:
        typer.echo("  a till calculate for a demo member:")
        typer.echo(
            f"    curl -s -X POST http://127.0.0.1:{port}/api/v1/till/calculate"
            f" -H 'X-API-Key: {secret}' -H 'Content-Type: application/json'"
            f" -d '{json.dumps(sample, ensure_ascii=False)}'"
        )
    if not no_serve:
        typer.echo(f"omnicrm is at http://127.0.0.1:{port} (API docs at /docs)")
        serve(db=db, port=port)
