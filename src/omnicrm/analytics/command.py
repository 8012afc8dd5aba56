"""``omnicrm analytics ...``: refresh the columnar snapshot and run any analysis from the command
line, as a table on screen or as CSV / Excel / JSON (``--format``, ``--out``).

Options common to every analysis come before the command:
``omnicrm analytics --since 2025-07-01 --until 2026-01-01 --by channel kpi``.
"""

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from omnicrm.analytics.period import DEFAULT_DAYS, report_zone, resolve
from omnicrm.analytics.query import Filters, Query
from omnicrm.analytics.report import Report
from omnicrm.analytics.service import Analysis
from omnicrm.core.clock import utcnow

app = typer.Typer(
    help="Analytics: KPIs, RFM, ABC/XYZ, cohorts, funnel, attribution, reports.",
    no_args_is_help=True,
)
console = Console()
ENGINES = ("duckdb", "spark")


@dataclass
class Options:
    db: str | None
    snapshot: Path | None
    since: datetime | None
    until: datetime | None
    days: int
    filters: Filters
    by: str
    fmt: str
    out: Path | None
    engine: str = "duckdb"
    parquet: str | None = None

    def query(self, newest: datetime | None) -> Query:
        """The period ends at ``--until``, else as ``analytics.period`` says (as the API)."""
        period = resolve(
            self.since, self.until, newest=newest, now=utcnow(), zone=report_zone(), days=self.days
        )
        return Query(period, self.filters, self.by)


@app.callback()
def common(
    ctx: typer.Context,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: configured).")
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="DuckDB snapshot file (default: next to the database).")
    ] = None,
    since: Annotated[datetime | None, typer.Option(help="Period start (UTC if no offset).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Period end, exclusive.")] = None,
    days: Annotated[
        int, typer.Option(help="Period length when --since is not given.")
    ] = DEFAULT_DAYS,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    store: Annotated[str | None, typer.Option(help="Only this store code.")] = None,
    city: Annotated[str | None, typer.Option(help="Only this city.")] = None,
    level: Annotated[str | None, typer.Option(help="Only this loyalty level.")] = None,
    segment: Annotated[str | None, typer.Option(help="Only this RFM segment.")] = None,
    by: Annotated[
        str, typer.Option(help="Breakdown: total, channel, store, city, level, segment.")
    ] = "total",
    fmt: Annotated[str, typer.Option("--format", help="table, csv, xlsx or json.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write to this file (xlsx needs it).")] = None,
    engine: Annotated[
        str, typer.Option(help="duckdb (the snapshot file) or spark (a Parquet snapshot).")
    ] = "duckdb",
    parquet: Annotated[
        str | None,
        typer.Option(help="With --engine spark: the Parquet snapshot (directory or s3a:// URL)."),
    ] = None,
) -> None:
    """Period, filters and output for the command that follows."""
    if engine not in ENGINES:
        raise typer.BadParameter(f"--engine is one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "spark" and not parquet:
        raise typer.BadParameter("--engine spark needs --parquet (write one: analytics parquet)")
    utc = [None if t is None else t.replace(tzinfo=t.tzinfo or UTC) for t in (since, until)]
    ctx.obj = Options(
        db,
        snapshot,
        *utc,
        days,
        Filters(channel, store, city, level, segment),
        by,
        fmt,
        out,
        engine,
        parquet,
    )


def _snapshot(options: Options):  # type: ignore[no-untyped-def]
    from omnicrm.analytics.snapshot import Snapshot, default_path
    from omnicrm.store.db import get_engine
    from omnicrm.store.migrate import upgrade

    engine = get_engine(options.db)
    upgrade(engine)
    return engine, Snapshot(options.snapshot or default_path(engine.url))


def _emit(report: Report, options: Options) -> None:
    from omnicrm.analytics.export import render

    if options.fmt == "table":
        table = Table(title=report.title, caption="\n".join(report.notes))
        for column in report.columns:
            table.add_column(column)
        for row in report.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
        return
    if options.fmt == "json":
        data = json.dumps(
            {"name": report.name, "rows": report.records(), "notes": report.notes},
            ensure_ascii=False,
            default=str,
        ).encode()
    else:
        data = render(report, options.fmt)
    if options.out:
        options.out.write_bytes(data)
        console.print(f"wrote {len(report.rows)} rows to {options.out}")
    elif options.fmt == "xlsx":
        raise typer.BadParameter("--format xlsx needs --out FILE")
    else:
        sys.stdout.buffer.write(data)


def _run(ctx: typer.Context, analysis: Analysis) -> None:
    from omnicrm.analytics.service import run

    options: Options = ctx.obj
    if options.engine == "spark":
        _run_on_spark(options, analysis)
        return
    engine, snapshot = _snapshot(options)
    try:
        if snapshot.last_refresh() is None:
            snapshot.refresh(engine)
        _emit(run(snapshot, analysis, options.query(snapshot.newest_purchase())), options)
    finally:
        snapshot.close()


def _run_on_spark(options: Options, analysis: Analysis) -> None:
    """The same analysis over the Parquet snapshot on Spark (``OMNICRM_SPARK_MASTER``)."""
    from omnicrm.analytics.service import run
    from omnicrm.analytics.spark import SparkSnapshot
    from omnicrm.core.spark import java_missing, session

    if reason := java_missing():
        raise typer.BadParameter(f"--engine spark: {reason}")
    snapshot = SparkSnapshot(session(), str(options.parquet))
    try:
        _emit(run(snapshot, analysis, options.query(snapshot.data_end())), options)  # type: ignore[arg-type]
    finally:
        snapshot.close()


@app.command()
def parquet(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Where to write <table>.parquet files.")],
    refresh: Annotated[bool, typer.Option(help="Refresh the snapshot first.")] = True,
) -> None:
    """Write the snapshot as Parquet, for Spark (``--engine spark``) or object storage."""
    from omnicrm.analytics.parquet import export

    engine, snapshot = _snapshot(ctx.obj)
    try:
        if refresh or snapshot.last_refresh() is None:
            snapshot.refresh(engine, progress=console.print)
        rows = export(snapshot, directory)
    finally:
        snapshot.close()
    console.print(f"wrote {sum(rows.values())} rows in {len(rows)} tables to {directory}")


@app.command()
def refresh(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option(help="Rebuild from scratch.")] = False,
) -> None:
    """Bring the snapshot up to date with the operational store."""
    engine, snapshot = _snapshot(ctx.obj)
    try:
        report = snapshot.refresh(engine, full=full, progress=console.print)
    finally:
        snapshot.close()
    console.print(f"refresh {report.refresh_id} took {report.seconds:.1f}s: {report.rows}")


@app.command()
def kpi(ctx: typer.Context) -> None:
    """Loyalty KPIs beside the previous period."""
    from omnicrm.analytics.kpi import kpis

    _run(ctx, kpis)


@app.command()
def rfm(
    ctx: typer.Context,
    movement: Annotated[
        bool, typer.Option(help="Transition matrix from the previous period.")
    ] = False,
) -> None:
    """RFM segments (or their movement)."""
    from omnicrm.analytics.rfm import rfm_movement, rfm_segments

    _run(ctx, rfm_movement if movement else rfm_segments)


@app.command()
def abc(
    ctx: typer.Context,
    subject: Annotated[list[str] | None, typer.Option(help="customer, category, sku")] = None,
    measure: Annotated[list[str] | None, typer.Option(help="revenue, units, orders, stock")] = None,
    detail: Annotated[int, typer.Option(help="List the top N subjects instead.")] = 0,
) -> None:
    """ABC x XYZ classes."""
    from functools import partial

    from omnicrm.analytics.abc import MEASURE_NAMES, SUBJECTS
    from omnicrm.analytics.abc import abc as analysis

    subjects, measures = tuple(subject or SUBJECTS), tuple(measure or MEASURE_NAMES)
    _run(ctx, partial(analysis, subjects=subjects, measures=measures, detail=detail))


@app.command()
def cohorts(ctx: typer.Context) -> None:
    """Retention and revenue by month of first purchase."""
    from omnicrm.analytics.cohorts import cohorts as analysis

    _run(ctx, analysis)


@app.command()
def funnel(ctx: typer.Context) -> None:
    """Customers per funnel stage and acquisition source."""
    from omnicrm.analytics.funnel import funnel as analysis

    _run(ctx, analysis)


@app.command()
def attribution(
    ctx: typer.Context,
    lookback_days: Annotated[int, typer.Option(help="Touchpoints this many days back.")] = 30,
) -> None:
    """Channel attribution: first touch, last touch, 40/20/40."""
    from functools import partial

    from omnicrm.analytics.attribution import attribution as analysis

    _run(ctx, partial(analysis, lookback_days=lookback_days))


@app.command()
def report(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="product_loyalty, sales, store_dynamics, ...")],
    limit: int = 100,
    fewest: bool = False,
    min_receipts: int = 1,
    inactive_days: int = 90,
    grain: Annotated[str, typer.Option(help="week or month")] = "month",
    profile: Annotated[str, typer.Option(help="gender, age_band, level or city")] = "gender",
    group: Annotated[str, typer.Option(help="category, brand or sku")] = "category",
) -> None:
    """One of the retail reports."""
    from omnicrm.analytics.reports import ReportOptions
    from omnicrm.analytics.service import report_analysis

    options = ReportOptions(limit, fewest, min_receipts, inactive_days, grain, profile, group)
    _run(ctx, report_analysis(name, options))
