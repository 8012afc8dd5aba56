"""``omnicrm predict ...``: train and score the models (once, or every N hours as a scheduled
job), list the versions with their holdout metrics, show one customer's scores, and save the
likely buyers of a product as an audience."""

import json
import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from omnicrm.store.commandline import DbUrl

app = typer.Typer(help="Predictions: CLV, churn, recommendations, clusters.", no_args_is_help=True)
KINDS_HELP = "clv, churn, recommend, clusters (repeat the option; default: all)."


def _open(db: str | None):  # type: ignore[no-untyped-def]
    from omnicrm.analytics.snapshot import Snapshot, default_path
    from omnicrm.store.commandline import migrated_engine

    engine = migrated_engine(db)
    return engine, Snapshot(default_path(engine.url))


@app.command("train")
def train(
    kind: Annotated[list[str] | None, typer.Option("--kind", help=KINDS_HELP)] = None,
    as_of: Annotated[
        datetime | None, typer.Option(help="Training cut-off (default: the last data).")
    ] = None,
    every_hours: Annotated[
        float | None, typer.Option(help="Retrain on this schedule until stopped.")
    ] = None,
    horizon_days: Annotated[int, typer.Option(help="CLV horizon.")] = 365,
    discount: Annotated[float, typer.Option(help="CLV monthly discount rate.")] = 0.01,
    margin: Annotated[float, typer.Option(help="CLV: the share of spend that is value.")] = 1.0,
    clv_model: Annotated[str, typer.Option(help="bgnbd or paretonbd.")] = "bgnbd",
    db: DbUrl = None,
) -> None:
    """Refresh the snapshot, fit each model up to the cut-off and score every customer."""
    from omnicrm.core.clock import utcnow
    from omnicrm.predict import models, training
    from omnicrm.predict.clv import Terms

    try:
        terms = Terms(horizon_days, discount, margin, clv_model)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e

    kinds = kind or list(models.KINDS)
    unknown = sorted(set(kinds) - set(models.KINDS))
    if unknown:
        raise typer.BadParameter(f"unknown kind {unknown}; one of {', '.join(models.KINDS)}")
    cut = as_of if as_of is None or as_of.tzinfo else as_of.replace(tzinfo=UTC)
    engine, snapshot = _open(db)
    try:
        while True:
            snapshot.refresh(engine)
            for v in training.train(engine, snapshot, kinds, utcnow(), cut, terms):
                metrics = json.dumps(v.metrics, ensure_ascii=False, default=str)
                typer.echo(f"{v.kind} v{v.version}: {v.customers_scored} scored; {metrics}")
            if every_hours is None:
                return
            time.sleep(every_hours * 3600)
    finally:
        snapshot.close()


@app.command("models")
def list_models(db: DbUrl = None) -> None:
    """Every version: its training window and holdout metrics."""
    from omnicrm.predict import models
    from omnicrm.store.commandline import migrated_engine

    with migrated_engine(db).connect() as conn:
        for v in models.versions(conn):
            metrics = json.dumps(v.metrics, ensure_ascii=False, default=str)
            typer.echo(
                f"{v.kind} v{v.version} trained {v.trained_at:%Y-%m-%d %H:%M} on data to "
                f"{v.as_of:%Y-%m-%d}: {v.customers_scored} scored; {metrics}"
            )


@app.command("show")
def show(customer_id: int, db: DbUrl = None) -> None:
    """One customer's scores by model, as JSON."""
    from omnicrm.predict import models
    from omnicrm.store.commandline import migrated_engine

    with migrated_engine(db).connect() as conn:
        found = models.for_customer(conn, customer_id)
    if not found:
        raise typer.BadParameter(f"no predictions for customer {customer_id}")
    typer.echo(json.dumps(found, ensure_ascii=False, default=str, indent=2))


@app.command("subsegments")
def subsegments(
    segment: Annotated[str, typer.Argument(help="An RFM segment, e.g. at_risk.")],
    db: DbUrl = None,
) -> None:
    """Cluster one RFM segment's customers into named sub-segments."""
    from omnicrm.predict import training

    engine, snapshot = _open(db)
    try:
        snapshot.refresh(engine)
        for s in training.subsegments(snapshot, segment):
            typer.echo(f"{s['customers']:>8}  {s['name_en']}: {s['text_en']}")
    finally:
        snapshot.close()


@app.command("buyers")
def buyers(
    audience: Annotated[str, typer.Argument(help="Code of the audience to save.")],
    name: Annotated[str, typer.Option(help="The audience's name.")],
    sku: Annotated[str | None, typer.Option()] = None,
    brand: Annotated[str | None, typer.Option()] = None,
    category: Annotated[str | None, typer.Option()] = None,
    size: Annotated[int, typer.Option(help="How many customers.")] = 1000,
    db: DbUrl = None,
) -> None:
    """Save the customers most likely to buy a SKU, brand or category as an audience."""
    from omnicrm.core.clock import utcnow
    from omnicrm.predict import training

    engine, snapshot = _open(db)
    try:
        snapshot.refresh(engine)
        made = training.buyers_audience(
            engine, snapshot, utcnow(), audience, name, sku, brand, category, size
        )
    finally:
        snapshot.close()
    typer.echo(json.dumps(made, ensure_ascii=False, default=str))
