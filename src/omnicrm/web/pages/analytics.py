"""The dashboard (loyalty KPIs beside the previous period, trends by week or month) and the
analytics pages (RFM, ABC/XYZ, cohorts, funnel, attribution and the A4 retail reports), each with
filters, charts, tables and CSV / Excel downloads; and the snapshot refresh.

Every figure comes from the columnar snapshot, cached per filter set (``insights.cache``). Customer
lists show contacts only as the viewer's role may see them; downloads carry customer ids, never
contacts (as the analytics API's exports).
"""

import gzip
from datetime import datetime
from functools import cache
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from plotly.offline import get_plotlyjs, get_plotlyjs_version
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from omnicrm.analytics.export import MEDIA_TYPES, sheet_csv, workbook
from omnicrm.analytics.export import render as export
from omnicrm.analytics.kpi import comparison_note, kpis
from omnicrm.analytics.report import Report
from omnicrm.analytics.segments import SEGMENTS
from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import NotFound
from omnicrm.core.masking import shown
from omnicrm.customers.queries import contacts, names_of
from omnicrm.loyalty.queries import level_names
from omnicrm.web import sessions
from omnicrm.web.config import get_web_settings
from omnicrm.web.downloads import attachment
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.i18n import sentence
from omnicrm.web.insights import charts
from omnicrm.web.insights.cache import Insights, insights
from omnicrm.web.insights.exports import Context, sheet_of
from omnicrm.web.insights.filters import Option, PageFilters, read_filters
from omnicrm.web.insights.tables import (
    KPI_LOWER_IS_BETTER,
    Table,
    kpi_tile,
    kpi_value,
    named,
    table_of,
)
from omnicrm.web.insights.trends import Bucket, trends, trends_report
from omnicrm.web.insights.views import BY_SLUG, GRAIN, LIMIT, SECTIONS, VIEWS, View
from omnicrm.web.pages.forms import safe_next, text
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, lang_of, needs

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
AnalyticsViewer = Annotated[Viewer, Depends(needs(Permission.ANALYTICS))]
SnapshotViewer = Annotated[Viewer, Depends(needs(Permission.SNAPSHOT))]

PLOTLY_PATH = f"/assets/plotly-{get_plotlyjs_version()}.min.js"
FORMATS = tuple(MEDIA_TYPES)
DASHBOARD_KPIS = (
    "turnover_minor", "receipts", "average_receipt_minor", "items_per_receipt", "buyers",
    "purchase_frequency", "new_customers", "enrolment_conversion", "repeat_rate_new",
    "points_redemption_share", "churn_rate_annual", "ltv_minor",
)  # fmt: skip
KPI_HIDDEN = frozenset({"group"})
"""The dashboard's KPI table (and its download) is of the whole selection: no group column."""


def _insights(request: Request, engine: EngineDep) -> Insights:
    found = insights(request, engine)
    found.warm(_warm_defaults)
    return found


def _warm_defaults(ins: Insights) -> None:
    """Compute the dashboard and every analytics page with their default filters."""
    today, choices, none = _today().date(), ins.choices(), QueryParams("")
    _dashboard_data(ins, read_filters(none, choices, today, (GRAIN,)))
    for view in VIEWS:
        filters = read_filters(none, choices, today, view.options, view.segments)
        view.reports(ins, filters, filters.query(get_web_settings().zone))


InsightsDep = Annotated[Insights, Depends(_insights)]


# --- plotly.js, from the installed package ------------------------------------------------------


@cache
def _plotly_bundle() -> tuple[bytes, bytes]:
    """plotly.js as shipped in the ``plotly`` package, plain and gzipped (made once)."""
    body = get_plotlyjs().encode()
    return body, gzip.compress(body, 6)


@router.get(PLOTLY_PATH)
def plotly_js(request: Request) -> Response:
    """Served from here, versioned in its path, so browsers keep it for a year; no CDN."""
    plain, packed = _plotly_bundle()
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="text/javascript", headers=headers)
    return Response(plain, media_type="text/javascript", headers=headers)


# --- shared pieces ------------------------------------------------------------------------------


def _figure_json(figure: dict) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` can appear)."""
    raw = orjson.dumps(figure, option=orjson.OPT_SERIALIZE_NUMPY, default=float).decode()
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _today() -> datetime:
    return utcnow().astimezone(get_web_settings().zone)


def _filters(
    request: Request, ins: Insights, options: tuple[Option, ...], segments: bool
) -> PageFilters:
    return read_filters(
        request.query_params, ins.choices(), _today().date(), options, segments=segments
    )


def _downloads(path: str, filters: PageFilters, table: str | None) -> dict[str, str]:
    """CSV and Excel links of one table (``None``: an Excel file of every table)."""
    chosen = {"table": table} if table else {}
    return {
        fmt: f"{path}/download?{urlencode({**filters.params(), **chosen, 'format': fmt})}"
        for fmt in FORMATS
    }


def _show_all(path: str, filters: PageFilters, tables: list[Table]) -> dict[str, str]:
    """Per table cut at the page's "Rows" option: the page with every row the analysis found."""
    if "limit" not in dict(filters.options):
        return {}
    return {
        t.key: f"{path}?{urlencode({**filters.params(), 'limit': min(t.found, LIMIT.high)})}"
        for t in tables
        if t.found
    }


def _listed(reports: dict[str, Report]) -> set[int]:
    """The customers the reports list."""
    return {
        cid
        for r in reports.values()
        if "customer_id" in r.columns
        for cid in r.column("customer_id")
        if cid is not None
    }


def _contacts(session: Session, reports: dict[str, Report], reveal: bool) -> dict[int, str]:
    """A phone (else an e-mail) of each customer listed, as the viewer may see it."""
    found = contacts(session, _listed(reports))
    return {cid: shown(kind, value, reveal=reveal) for cid, (kind, value) in found.items()}


def _download(
    request: Request,
    ins: Insights,
    filters: PageFilters,
    options: tuple[Option, ...],
    reports: dict[str, Report],
    hide: dict[str, frozenset[str]] | None = None,
) -> Response:
    """The table asked for (``table``; an Excel file without one holds every table of the page,
    one sheet each) as the person reads it, or as the analysis has it with ``raw=1``."""
    fmt, table = _format(request), request.query_params.get("table")
    if table is not None and table not in reports:
        raise NotFound(f"no table {table!r}")
    chosen = [table] if table else list(reports)[: 1 if fmt == "csv" else None]
    if request.query_params.get("raw") == "1":
        body = export(reports[chosen[0]], fmt)
    else:
        context = Context(lang_of(request), filters, options, ins.choices(), ins.stamp)
        sheets = [sheet_of(reports[k], context, (hide or {}).get(k, frozenset())) for k in chosen]
        body = sheet_csv(sheets[0]) if fmt == "csv" else workbook(sheets)
    stem = chosen[0] if len(chosen) == 1 else "_".join(chosen[:2])
    name = f"{stem}_{filters.since.isoformat()}_{filters.until.isoformat()}.{fmt}"
    return attachment(body, MEDIA_TYPES[fmt], name)


def _format(request: Request) -> str:
    fmt = request.query_params.get("format", "csv")
    if fmt not in FORMATS:
        raise NotFound(f"no download format {fmt!r}")
    return fmt


def _common(viewer: Viewer, ins: Insights, filters: PageFilters, levels: dict[str, str]) -> dict:
    return {
        "level_names": levels,
        "filters": filters,
        "errors": filters.errors,
        "choices": ins.choices(),
        "as_of": ins.stamp,
        "can_refresh": viewer.can(Permission.SNAPSHOT),
        "plotly_path": PLOTLY_PATH,
        "sections": SECTIONS,
        "views": VIEWS,
        "segment_names": SEGMENTS,
    }


# --- dashboard ----------------------------------------------------------------------------------


def _dashboard_data(ins: Insights, filters: PageFilters) -> tuple[Report, list[Bucket]]:
    """The KPI report and the trend buckets of the dashboard's filters."""
    zone = get_web_settings().zone
    query = filters.query(zone)
    grain = str(filters.option("grain"))

    def compute_trends() -> list[Bucket]:
        cursor = ins.snapshot.cursor()
        try:
            return trends(cursor, query, filters.since, filters.until, grain, zone)
        finally:
            cursor.close()

    buckets = ins.computed("trends", compute_trends, query, filters.since, filters.until, grain)
    return ins.report("kpi", kpis, query), buckets


def _kpi_cards(report: Report, lang: str) -> list[dict]:
    by_name = {r["kpi"]: r for r in report.records() if r["group"] == "all"}
    cards = []
    for name in DASHBOARD_KPIS:
        row = by_name.get(name)
        if row is None:
            continue
        change = row["change"]
        better = None if not change else (change > 0) != (name in KPI_LOWER_IS_BETTER)
        cards.append(
            {
                "name": name,
                "value": kpi_tile(name, row["value"], lang),
                "exact": kpi_value(name, row["value"], lang),
                "previous": kpi_tile(name, row["previous"], lang),
                "previous_exact": kpi_value(name, row["previous"], lang),
                "change": change,
                "arrow": "▲" if change and change > 0 else "▼" if change and change < 0 else "",
                "tone": "" if better is None else "good" if better else "bad",
            }
        )
    return cards


@router.get("/dashboard")
def dashboard(
    request: Request, viewer: AnalyticsViewer, ins: InsightsDep, session: ReadSessionDep
) -> Response:
    filters = _filters(request, ins, (GRAIN,), segments=False)
    lang = lang_of(request)
    kpi, buckets = _dashboard_data(ins, filters)
    totals = {r["kpi"]: r["value"] for r in kpi.records() if r["group"] == "all"}
    trend_charts = charts.trend_charts(buckets, str(filters.option("grain")), lang)
    shown_charts = [*trend_charts, charts.loyal_chart(totals, lang)] if totals else trend_charts
    return render(
        request,
        "dashboard.html",
        viewer,
        status=400 if filters.errors else 200,
        cards=_kpi_cards(kpi, lang),
        comparison=sentence(lang, note) if (note := comparison_note(kpi)) else None,
        charts=[(c, _figure_json(c.figure)) for c in shown_charts],
        tables=[table_of(kpi, lang, limit=100, hide=KPI_HIDDEN)],
        downloads={key: _downloads("/dashboard", filters, key) for key in ("kpi", "trends")},
        download_all=_downloads("/dashboard", filters, None),
        options=(GRAIN,),
        action="/dashboard",
        **_common(viewer, ins, filters, level_names(session)),
    )


@router.get("/dashboard/download")
def dashboard_download(
    request: Request, viewer: AnalyticsViewer, ins: InsightsDep, session: ReadSessionDep
) -> Response:
    filters = _filters(request, ins, (GRAIN,), segments=False)
    _format(request)  # a format we do not write is refused before anything is computed
    if filters.errors:
        return dashboard(request, viewer, ins, session)
    kpi, buckets = _dashboard_data(ins, filters)
    reports = {"kpi": kpi, "trends": trends_report(buckets, str(filters.option("grain")))}
    return _download(request, ins, filters, (GRAIN,), reports, {"kpi": KPI_HIDDEN})


# --- analytics pages ----------------------------------------------------------------------------


@router.get("/analytics")
def analytics_index(request: Request, viewer: AnalyticsViewer, ins: InsightsDep) -> Response:
    return render(
        request,
        "analytics_index.html",
        viewer,
        as_of=ins.stamp,
        can_refresh=viewer.can(Permission.SNAPSHOT),
        sections=SECTIONS,
        views=VIEWS,
    )


def _view(slug: str) -> View:
    if slug not in BY_SLUG:
        raise NotFound(f"no analytics page {slug!r}")
    return BY_SLUG[slug]


def _show(
    request: Request, viewer: Viewer, ins: Insights, session: Session, view: View
) -> Response:
    filters = _filters(request, ins, view.options, view.segments)
    lang = lang_of(request)
    reports = view.reports(ins, filters, filters.query(get_web_settings().zone))
    contacts = (
        _contacts(session, reports, viewer.can(Permission.CONTACTS)) if view.customers else None
    )
    profiles = viewer.can(Permission.CUSTOMERS)
    names = names_of(session, _listed(reports)) if view.customers and profiles else None
    levels = level_names(session)
    tables = [
        table_of(r, lang, contacts=contacts, people=names, link_customers=profiles, levels=levels)
        for r in reports.values()
    ]
    shown_charts = view.charts({k: named(r, names) for k, r in reports.items()}, filters, lang)
    return render(
        request,
        "analytics_page.html",
        viewer,
        status=400 if filters.errors else 200,
        view=view,
        charts=[(c, _figure_json(c.figure)) for c in shown_charts],
        tables=tables,
        downloads={key: _downloads(view.path, filters, key) for key in reports},
        download_all=_downloads(view.path, filters, None) if len(reports) > 1 else None,
        show_all=_show_all(view.path, filters, tables),
        options=view.options,
        action=view.path,
        **_common(viewer, ins, filters, levels),
    )


def _download_view(request: Request, viewer: Viewer, ins: Insights, session: Session, view: View):
    filters = _filters(request, ins, view.options, view.segments)
    _format(request)  # a format we do not write is refused before anything is computed
    if filters.errors:
        return _show(request, viewer, ins, session, view)
    reports = view.reports(ins, filters, filters.query(get_web_settings().zone))
    return _download(request, ins, filters, view.options, reports)


@router.get("/analytics/reports/{name}")
def retail_report(
    request: Request, viewer: AnalyticsViewer, ins: InsightsDep, session: ReadSessionDep, name: str
) -> Response:
    return _show(request, viewer, ins, session, _view(f"reports/{name}"))


@router.get("/analytics/reports/{name}/download")
def retail_report_download(
    request: Request, viewer: AnalyticsViewer, ins: InsightsDep, session: ReadSessionDep, name: str
) -> Response:
    return _download_view(request, viewer, ins, session, _view(f"reports/{name}"))


@router.get("/analytics/{slug}")
def analysis(
    request: Request, viewer: AnalyticsViewer, ins: InsightsDep, session: ReadSessionDep, slug: str
) -> Response:
    return _show(request, viewer, ins, session, _view(slug))


@router.get("/analytics/{slug}/download")
def analysis_download(
    request: Request, viewer: AnalyticsViewer, ins: InsightsDep, session: ReadSessionDep, slug: str
) -> Response:
    return _download_view(request, viewer, ins, session, _view(slug))


@router.post("/analytics/refresh")
def refresh_snapshot(
    request: Request, viewer: SnapshotViewer, form: CheckedForm, ins: InsightsDep, engine: EngineDep
) -> Response:
    """Read what the store gained since the last refresh; cached results are dropped."""
    result = ins.refresh(engine)
    ins.warm(_warm_defaults)
    sessions.flash(
        request,
        "ok",
        "Snapshot refreshed: {orders} new orders in {seconds} s",
        orders=result.rows.get("orders", 0),
        seconds=f"{result.seconds:.1f}",
    )
    return RedirectResponse(safe_next(text(form, "next"), "/dashboard"), status_code=303)
