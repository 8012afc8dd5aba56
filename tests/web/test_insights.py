"""The dashboard and the analytics pages: figures of the hand-made sales (``web_sales``) formatted
for the language, filters applied, bad filters explained beside the field, downloads that hold the
report's rows, the snapshot cache and its refresh, and contacts masked in customer lists."""

import csv
import io
import re
import threading
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_sales import (
    PERIOD,
    PREVIOUS,
    REVENUE,
    S2_REVENUE,
    UNTIL,
    WEB_REVENUE,
    add_order,
)
from web_store import EMAIL, PHONE, Store, post, signed_in

from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.reports import REPORTS, ReportOptions
from omnicrm.analytics.snapshot import Snapshot, default_path
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Product
from omnicrm.store.schema import Store as Shop
from omnicrm.web.formatting import money
from omnicrm.web.i18n import CATALOGUES
from omnicrm.web.insights.views import VIEWS
from omnicrm.web.pages.analytics import PLOTLY_PATH

PERIOD_UTC = Period(datetime(2024, 12, 31, 21, tzinfo=UTC), datetime(2025, 3, 31, 21, tzinfo=UTC))
"""2025-01-01..2025-03-31 in Moscow time."""


@pytest.fixture(scope="module")
def analyst(sales: Store) -> TestClient:
    return signed_in(sales.engine, "analyst")


@pytest.fixture(scope="module")
def marketer(sales: Store) -> TestClient:
    return signed_in(sales.engine, "marketer")


def _kpi(html: str, name: str) -> str:
    """The text of one KPI card."""
    return html.split(f'id="kpi-{name}"', 1)[1].split('<div class="card kpi"', 1)[0]


def test_the_dashboard_shows_kpis_beside_the_previous_period(analyst: TestClient) -> None:
    response = analyst.get("/dashboard", params=PERIOD)
    assert response.status_code == 200, response.text[:2000]
    html = response.text
    turnover = _kpi(html, "turnover_minor")
    assert money(REVENUE, "ru") in turnover
    assert money(PREVIOUS, "ru") in turnover
    assert "▲" in turnover
    assert "5\u00a0999,50\u00a0₽" in turnover  # the way Russians write it
    assert "▲" in _kpi(html, "receipts")
    for trend in ("revenue", "receipts", "members", "redemption", "churn"):
        assert f'data-figure="trend-{trend}-data"' in html
    assert f'<script src="{PLOTLY_PATH}" defer></script>' in html
    assert 'id="table-kpi"' in html


def test_a_previous_period_before_the_data_gives_no_change_but_says_why(
    analyst: TestClient,
) -> None:
    """The data starts on 10 May 2024: against 2024-06-01..2025-03-31 the previous period holds
    21 and a half days of data out of 304, so no percentage is printed; the page says so instead."""
    html = analyst.get("/dashboard", params={"since": "2024-06-01", "until": UNTIL}).text
    note = html.split('id="comparison-note">', 1)[1].split("</p>", 1)[0]
    assert note == "данные есть лишь за 21 из 304 дн. прошлого периода: изменения не показаны"
    assert "▲" not in _kpi(html, "turnover_minor")
    assert 'id="comparison-note"' not in analyst.get("/dashboard", params=PERIOD).text


def test_the_dashboard_speaks_english_too(sales: Store) -> None:
    client = signed_in(sales.engine, "marketer")
    post(client, "/lang", {"lang": "en", "next": "/dashboard"})
    html = client.get("/dashboard", params=PERIOD).text
    assert "₽5,999.50" in _kpi(html, "turnover_minor")
    assert "Loyalty KPIs" in html
    assert "Jan 2025" in html  # trend months, in English


@pytest.mark.parametrize(
    ("filters", "revenue"),
    [({"channel": "web"}, WEB_REVENUE), ({"store": "S2"}, S2_REVENUE), ({"city": "Казань"}, None)],
)
def test_dashboard_filters_narrow_the_figures(
    analyst: TestClient, filters: dict, revenue: int | None
) -> None:
    html = analyst.get("/dashboard", params={**PERIOD, **filters}).text
    assert money(revenue or S2_REVENUE, "ru") in _kpi(html, "turnover_minor")
    name = next(iter(filters))
    assert f'<option value="{filters[name]}" selected>' in html


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"channel": "teleport"}, "channel"),
        ({"store": "S9"}, "store"),
        ({"level": "platinum"}, "level"),
        ({"city": "Атлантида"}, "city"),
        ({"since": "01.01.2025"}, "since"),
        ({"until": "2025-02-30"}, "until"),
        ({"since": "2025-04-01"}, "since"),  # after the last day
        ({"grain": "year"}, "grain"),
    ],
)
def test_a_bad_filter_is_explained_beside_its_field_and_not_applied(
    analyst: TestClient, bad: dict, field: str
) -> None:
    response = analyst.get("/dashboard", params={**PERIOD, **bad})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert f'aria-describedby="{field}-error"' in response.text
    if field not in ("since", "until"):  # the rest of the filters still hold
        assert money(REVENUE, "ru") in _kpi(response.text, "turnover_minor")


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.slug)
def test_every_analytics_page_renders_its_charts_and_tables(analyst: TestClient, view) -> None:  # type: ignore[no-untyped-def]
    response = analyst.get(view.path, params=PERIOD)
    assert response.status_code == 200, response.text[:2000]
    html = response.text
    assert "<table>" in html
    assert "Ничего нет" not in html
    for fmt in ("csv", "xlsx"):
        assert re.search(rf'href="{view.path}/download\?[^"]*format={fmt}', html)
    if view.slug != "reports/inactive":
        assert "data-figure=" in html, view.slug


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/analytics/abc", {"subject": "planets"}, "subject"),
        ("/analytics/attribution", {"lookback_days": "0"}, "lookback_days"),
        ("/analytics/reports/receipts", {"limit": "many"}, "limit"),
        ("/analytics/cohorts", {"segment": "Vampires"}, "segment"),
    ],
)
def test_bad_options_of_a_page_are_explained(
    analyst: TestClient, path: str, params: dict, field: str
) -> None:
    response = analyst.get(path, params={**PERIOD, **params})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text


def _report(sales: Store, name: str, **options: object) -> list[list[str]]:
    """The report as the analytics package computes it, as CSV cells."""
    snapshot = Snapshot(default_path(sales.engine.url))
    cursor = snapshot.cursor()
    try:
        report = REPORTS[name](cursor, Query(PERIOD_UTC), ReportOptions(**options))
    finally:
        cursor.close()
    return [[str(c) for c in report.columns]] + [
        ["" if v is None else str(v) for v in row] for row in report.rows
    ]


def _value(cell: object) -> object:
    """A cell compared across CSV text and Excel numbers."""
    try:
        return float(cell)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return cell


def test_a_raw_download_holds_the_reports_rows_for_integrators(
    sales: Store, analyst: TestClient
) -> None:
    url = "/analytics/reports/receipt_sum/download"
    response = analyst.get(url, params={**PERIOD, "format": "csv", "raw": "1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="receipt_sum_2025-01-01_2025-03-31.csv"'
        in response.headers["content-disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["customer_id", "city", "level", "receipts"]
    assert [(r[0], r[3], r[6]) for r in rows[1:]] == [
        (str(sales.petr), "3", "450000"),
        (str(sales.anna_twin), "1", "99950"),
    ]
    assert rows == _report(sales, "receipt_sum")
    assert PHONE not in response.text  # downloads carry ids, never contacts
    xlsx = analyst.get(url, params={**PERIOD, "format": "xlsx", "raw": "1"})
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [[_value(v) for v in row] for row in cells] == [[_value(v) for v in r] for r in rows]


def test_the_dashboard_downloads_its_kpis_and_trends_raw(analyst: TestClient) -> None:
    raw = {**PERIOD, "raw": "1"}
    kpi = analyst.get("/dashboard/download", params={**raw, "table": "kpi", "format": "csv"})
    rows = {r[1]: r for r in csv.reader(io.StringIO(kpi.content.decode("utf-8-sig")))}
    assert rows["turnover_minor"][2:4] == [str(REVENUE), str(PREVIOUS)]
    trends = analyst.get("/dashboard/download", params={**raw, "table": "trends", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(trends.content)).worksheets[0]
    months = list(sheet.iter_rows(values_only=True))
    assert [m[0] for m in months[1:]] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert sum(m[1] for m in months[1:]) == REVENUE
    assert analyst.get("/dashboard/download", params={"format": "pdf"}).status_code == 404


def test_a_download_with_a_bad_filter_downloads_nothing(analyst: TestClient) -> None:
    response = analyst.get(
        "/analytics/funnel/download", params={**PERIOD, "channel": "x", "format": "csv"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("role", "reveals"), [("marketer", True), ("analyst", False)])
def test_inactive_customers_are_named_with_contacts_masked_as_the_role_needs(
    sales: Store, role: str, reveals: bool
) -> None:
    html = signed_in(sales.engine, role).get("/analytics/reports/inactive", params=PERIOD).text
    assert f'<a href="/customers/{sales.anna}">Иванова Анна</a>' in html  # a name, not an id
    assert (PHONE in html) is reveals
    assert EMAIL not in html  # a phone is enough
    if not reveals:
        assert "+7 916 ***-**-93" in html


def test_results_are_cached_per_filter_set_until_the_snapshot_is_refreshed(
    fresh_sales: Store,
) -> None:
    analyst = signed_in(fresh_sales.engine, "analyst")
    app = analyst.app
    assert money(REVENUE, "ru") in _kpi(
        analyst.get("/dashboard", params=PERIOD).text, "turnover_minor"
    )
    cache = app.state.web_analytics_cache  # type: ignore[attr-defined]
    hits = cache.hits
    analyst.get("/dashboard", params=PERIOD)
    assert cache.hits > hits
    with unit_of_work(fresh_sales.engine) as s:
        ids = {p.sku: p.id for p in s.query(Product)} | {x.code: x.id for x in s.query(Shop)}
        add_order(s, ids, "late", fresh_sales.petr, "store", "S1",
                  datetime(2025, 3, 20, 9, tzinfo=UTC), "SH-1", 1, 100_00)  # fmt: skip
    stale = analyst.get("/dashboard", params=PERIOD).text
    assert money(REVENUE, "ru") in _kpi(stale, "turnover_minor")
    marketer = signed_in(fresh_sales.engine, "marketer")
    assert post(marketer, "/analytics/refresh", {"next": "/dashboard"}).status_code == 403
    assert analyst.post("/analytics/refresh", data={"next": "/dashboard"}).status_code == 403
    done = post(analyst, "/analytics/refresh", {"next": "/dashboard?since=2025-01-01"})
    assert done.status_code == 303
    assert done.headers["location"] == "/dashboard?since=2025-01-01"
    stamp = app.state.analytics.last_refresh()  # type: ignore[attr-defined]
    assert all(key[0] == stamp for key in cache._items)  # the old snapshot's results are gone
    fresh = analyst.get("/dashboard", params=PERIOD).text
    assert money(REVENUE + 100_00, "ru") in _kpi(fresh, "turnover_minor")
    assert 'class="flash ok"' in fresh


def test_the_default_pages_are_computed_ahead_in_the_background(fresh_sales: Store) -> None:
    analyst = signed_in(fresh_sales.engine, "analyst", warmup=True)
    assert analyst.get("/analytics").status_code == 200
    for thread in threading.enumerate():
        if thread.name == "analytics-warmup":
            thread.join(30)
    cache = analyst.app.state.web_analytics_cache  # type: ignore[attr-defined]
    computed = cache.misses
    assert computed > len(VIEWS)
    for path in ["/dashboard", *(view.path for view in VIEWS)]:
        assert analyst.get(path).status_code == 200
    assert cache.misses == computed  # every page found its figures ready


def test_churn_by_month_is_the_annual_churn_kpi_at_each_month_end(analyst: TestClient) -> None:
    """Anna bought in May and June 2024 and never again: at the end of May 2025 she had bought in
    the last year; at the end of June she had not, so she is churned (1 of 1)."""
    spring = {"since": "2025-04-01", "until": "2025-06-30", "raw": "1"}
    trends = analyst.get("/dashboard/download", params={**spring, "table": "trends"})
    rows = list(csv.reader(io.StringIO(trends.content.decode("utf-8-sig"))))
    assert [(r[0], r[-1]) for r in rows[1:]] == [
        ("2025-04-01", ""),
        ("2025-05-01", "0.0"),
        ("2025-06-01", "1.0"),
    ]
    kpi = analyst.get("/dashboard/download", params={**spring, "table": "kpi"})
    by_kpi = {r[1]: r for r in csv.reader(io.StringIO(kpi.content.decode("utf-8-sig")))}
    assert by_kpi["churn_rate_annual"][2] == "1.0"


def test_plotly_is_served_locally_and_allowed_by_the_pages_policy(analyst: TestClient) -> None:
    page = analyst.get("/dashboard", params=PERIOD)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "http" not in policy
    assert "cdn" not in page.text.lower()
    js = analyst.get(PLOTLY_PATH, headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "immutable" in js.headers["cache-control"]
    assert "Plotly" in js.text[:5000] or "plotly" in js.text[:5000]
    assert analyst.get("/static/charts.js").status_code == 200


def test_the_analytics_index_links_every_page(analyst: TestClient) -> None:
    html = analyst.get("/analytics").text
    assert all(f'href="{view.path}"' in html for view in VIEWS)
    assert 'action="/analytics/refresh"' in html
    assert analyst.get("/analytics/nothing-here").status_code == 404


def test_every_word_of_the_analytics_pages_is_in_russian(analyst: TestClient) -> None:
    ru = CATALOGUES["ru"]
    words = {w for v in VIEWS for w in (v.title, v.intro, v.section, *(o.label for o in v.options))}
    words |= {f"opt:{c}" for v in VIEWS for o in v.options for c in o.choices}
    assert not sorted(w for w in words if w not in ru)
    russian = set(ru.values())
    for view in VIEWS:
        html = analyst.get(view.path, params=PERIOD).text
        headers = set(re.findall(r"<th(?: class=\"num\")?>([^<]+)</th>", html))
        assert headers <= russian | {"ABC", "XYZ", "LTV"}, (view.slug, headers - russian)


def test_a_sales_report_cut_by_its_row_limit_says_so_and_links_to_all(
    analyst: TestClient,
) -> None:
    cut = analyst.get("/analytics/reports/sales", params={**PERIOD, "limit": "1"}).text
    note = cut.split('id="cut-sales">', 1)[1].split("</p>", 1)[0]
    assert note.startswith("Первые 1 из 2 строк · ")
    href = re.search(r'href="([^"]+)">Показать все<', note).group(1).replace("&amp;", "&")
    assert "limit=2" in href
    every = analyst.get(href).text
    assert 'id="cut-sales"' not in every
    assert every.count("<td>Shoes</td>") == every.count("<td>Bags</td>") == 1
