"""HTTP routes for analytics (A1-A5): every analysis under ``/analytics``, with the same filters,
as JSON or as a CSV / Excel download (``?format=csv|xlsx``). Answers come from the columnar
snapshot; ``POST /analytics/refresh`` brings it up to date (the first request does it once)."""

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from omnicrm.analytics import abc as abc_analysis
from omnicrm.analytics.attribution import attribution as attribution_analysis
from omnicrm.analytics.cohorts import cohorts as cohorts_analysis
from omnicrm.analytics.export import MEDIA_TYPES, render
from omnicrm.analytics.funnel import funnel as funnel_analysis
from omnicrm.analytics.kpi import kpis
from omnicrm.analytics.period import report_zone, resolve
from omnicrm.analytics.query import DIMENSIONS, Filters
from omnicrm.analytics.query import Query as AnalyticsQuery
from omnicrm.analytics.report import Report
from omnicrm.analytics.reports import REPORTS, ReportOptions
from omnicrm.analytics.rfm import rfm_movement, rfm_segments
from omnicrm.analytics.schemas import RefreshOut, ReportOut
from omnicrm.analytics.service import Analysis, report_analysis, run
from omnicrm.analytics.snapshot import Snapshot, default_path
from omnicrm.api.deps import EngineDep
from omnicrm.api.responses import errors
from omnicrm.core.bounds import Instant, PositiveCount, PositiveDays
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import OmnicrmError

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=errors(400))

Format = Literal["json", "csv", "xlsx"]


def get_snapshot(request: Request, engine: EngineDep) -> Snapshot:
    """The app's snapshot (next to the database unless a test or the app set one), refreshed
    once if it never was."""
    state = request.app.state
    if getattr(state, "analytics", None) is None:
        state.analytics = Snapshot(default_path(engine.url))
    snapshot: Snapshot = state.analytics
    if snapshot.last_refresh() is None:
        snapshot.refresh(engine)
    return snapshot


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]


def get_query(
    snapshot: SnapshotDep,
    since: Annotated[
        Instant | None, Query(description="from (inclusive); default: 365 days before until")
    ] = None,
    until: Annotated[
        Instant | None,
        Query(
            description="before (exclusive); default: the end of today, or of the newest "
            "purchase's day when the data stops earlier (local days of OMNICRM_REPORT_TIMEZONE)"
        ),
    ] = None,
    channel: Annotated[
        str | None, Query(description="store | web | app | call_centre | marketplace")
    ] = None,
    store: Annotated[str | None, Query(description="store code")] = None,
    city: str | None = None,
    level: Annotated[str | None, Query(description="loyalty level code, or (none)")] = None,
    segment: Annotated[str | None, Query(description="RFM segment over the period")] = None,
    by: Annotated[str, Query(description=f"breakdown: {', '.join(DIMENSIONS)}")] = "total",
) -> AnalyticsQuery:
    try:
        return AnalyticsQuery(
            resolve(
                since, until, newest=snapshot.newest_purchase(), now=utcnow(), zone=report_zone()
            ),
            Filters(channel, store, city, level, segment),
            by,
        )
    except ValueError as exc:
        raise OmnicrmError(str(exc)) from exc


QueryDep = Annotated[AnalyticsQuery, Depends(get_query)]
FormatParam = Annotated[Format, Query(description="json, or a csv / xlsx download")]


def _answer(
    snapshot: Snapshot, analysis: Analysis, query: AnalyticsQuery, fmt: Format
) -> Response | ReportOut:
    try:
        report = run(snapshot, analysis, query)
    except ValueError as exc:
        raise OmnicrmError(str(exc)) from exc
    if fmt != "json":
        return Response(
            render(report, fmt),
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{report.name}.{fmt}"'},
        )
    return _out(report, query, snapshot)


def _out(report: Report, query: AnalyticsQuery, snapshot: Snapshot) -> ReportOut:
    return ReportOut(
        name=report.name,
        title=report.title,
        since=query.period.since,
        until=query.period.until,
        snapshot_refreshed_at=snapshot.last_refresh(),
        columns=report.columns,
        rows=report.records(),
        notes=report.notes,
        found=report.found,
    )


@router.post("/refresh", response_model=RefreshOut)
def refresh(snapshot: SnapshotDep, engine: EngineDep, full: bool = False) -> RefreshOut:
    """Read what the store gained since the last refresh (``full``: rebuild from scratch)."""
    result = snapshot.refresh(engine, full=full)
    return RefreshOut(
        refresh_id=result.refresh_id, full=result.full, seconds=result.seconds, rows=result.rows
    )


@router.get("/kpi", response_model=ReportOut)
def kpi(snapshot: SnapshotDep, query: QueryDep, format: FormatParam = "json"):
    """Loyalty KPIs per group, beside the previous period of the same length."""
    return _answer(snapshot, kpis, query, format)


@router.get("/rfm", response_model=ReportOut)
def rfm(snapshot: SnapshotDep, query: QueryDep, format: FormatParam = "json"):
    """RFM segment sizes over the period."""
    return _answer(snapshot, rfm_segments, query, format)


@router.get("/rfm/movement", response_model=ReportOut)
def rfm_moves(snapshot: SnapshotDep, query: QueryDep, format: FormatParam = "json"):
    """Customers moving between RFM segments from the previous period to this one."""
    return _answer(snapshot, rfm_movement, query, format)


@router.get("/abc", response_model=ReportOut)
def abc(
    snapshot: SnapshotDep,
    query: QueryDep,
    subject: Annotated[list[str] | None, Query(description="customer, category, sku")] = None,
    measure: Annotated[
        list[str] | None, Query(description="revenue, units, orders, stock (average on hand)")
    ] = None,
    detail: Annotated[int, Query(ge=0, le=100_000, description="rows per subject, 0: summary")] = 0,
    format: FormatParam = "json",
):
    """ABC x XYZ classes of customers, categories and SKUs by revenue, units and orders, and of
    categories and SKUs by average stock."""
    analysis = partial(
        abc_analysis.abc,
        subjects=tuple(subject or abc_analysis.SUBJECTS),
        measures=tuple(measure or abc_analysis.MEASURE_NAMES),
        detail=detail,
    )
    return _answer(snapshot, analysis, query, format)


@router.get("/cohorts", response_model=ReportOut)
def cohorts(snapshot: SnapshotDep, query: QueryDep, format: FormatParam = "json"):
    """Retention and revenue by month of first purchase."""
    return _answer(snapshot, cohorts_analysis, query, format)


@router.get("/funnel", response_model=ReportOut)
def funnel(snapshot: SnapshotDep, query: QueryDep, format: FormatParam = "json"):
    """Customers at each funnel stage, per acquisition source."""
    return _answer(snapshot, funnel_analysis, query, format)


@router.get("/attribution", response_model=ReportOut)
def attribution(
    snapshot: SnapshotDep,
    query: QueryDep,
    lookback_days: Annotated[int, Query(ge=1, le=365)] = 30,
    format: FormatParam = "json",
):
    """Which channels acquire and which convert: first-touch, last-touch and 40/20/40 credit."""
    analysis = partial(attribution_analysis, lookback_days=lookback_days)
    return _answer(snapshot, analysis, query, format)


@router.get("/reports", response_model=list[str])
def report_names() -> list[str]:
    """The retail reports by name."""
    return list(REPORTS)


@router.get("/reports/{name}", response_model=ReportOut, responses=errors(404))
def report(
    snapshot: SnapshotDep,
    query: QueryDep,
    name: str,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
    fewest: bool = False,
    min_receipts: PositiveCount = 1,
    inactive_days: PositiveDays = 90,
    grain: Literal["week", "month"] = "month",
    profile: Literal["gender", "age_band", "level", "city"] = "gender",
    group: Literal["category", "brand", "sku"] = "category",
    format: FormatParam = "json",
):
    """One of the retail reports (see ``GET /analytics/reports``)."""
    options = ReportOptions(limit, fewest, min_receipts, inactive_days, grain, profile, group)
    return _answer(snapshot, report_analysis(name, options), query, format)
