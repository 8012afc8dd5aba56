"""Answers leave as JSON, CSV and Excel, over HTTP and on the command line, with filters."""

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from omnicrm.access.keys import create_key
from omnicrm.analytics.command import app as cli
from omnicrm.analytics.export import render, to_csv, to_xlsx
from omnicrm.analytics.period import default_days, local_period, report_zone
from omnicrm.analytics.report import Report
from omnicrm.analytics.reports import REPORTS
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.api.app import create_app
from omnicrm.store.db import unit_of_work

PERIOD = {"since": "2025-07-01T00:00:00Z", "until": "2025-10-01T00:00:00Z"}
REPORT = Report(
    "sales",
    "Sales",
    ["sku", "units", "note"],
    [("P1", 4, 'Москва, "центр"'), ("P2", 0, None)],
    ["stock: not available"],
)


def test_csv_is_valid_and_opens_in_excel() -> None:
    data = to_csv(REPORT)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["sku", "units", "note"], ["P1", "4", 'Москва, "центр"'], ["P2", "0", ""]]


def test_xlsx_is_valid() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(REPORT)))
    assert book.sheetnames == ["sales", "notes"]
    rows = list(book["sales"].iter_rows(values_only=True))
    assert rows == [("sku", "units", "note"), ("P1", 4, 'Москва, "центр"'), ("P2", 0, None)]
    assert [r[0] for r in book["notes"].iter_rows(values_only=True)] == [
        "Sales",
        "stock: not available",
    ]


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        render(REPORT, "pdf")


@pytest.fixture(scope="session")
def api_key(shared_store: Engine) -> str:
    with unit_of_work(shared_store) as session:
        return create_key(session, "analyst", ["analytics:read"])


@pytest.fixture
def client(shared_store: Engine, shared: Snapshot, api_key: str) -> TestClient:
    app = create_app(shared_store)
    app.state.analytics = shared
    return TestClient(app, headers={"X-API-Key": api_key})


def test_analytics_needs_a_key_with_its_scope(shared_store: Engine) -> None:
    with unit_of_work(shared_store) as session:
        till = create_key(session, "till", ["loyalty:*"])
    app = create_app(shared_store)
    assert TestClient(app).get("/api/v1/analytics/kpi").status_code == 401
    forbidden = TestClient(app, headers={"X-API-Key": till}).get("/api/v1/analytics/kpi")
    assert forbidden.status_code == 403


def _kpi(client: TestClient, **params: str) -> dict[str, object]:
    response = client.get("/api/v1/analytics/kpi", params=PERIOD | params)
    assert response.status_code == 200, response.text
    return {r["kpi"]: r["value"] for r in response.json()["rows"]}


@pytest.mark.parametrize(
    ("params", "receipts"),
    [
        ({}, 7),
        ({"channel": "web"}, 2),
        ({"store": "S2"}, 2),
        ({"city": "Казань"}, 2),
        ({"level": "silver"}, 3),
        ({"segment": "Lost"}, 1),
    ],
)
def test_api_filters(client: TestClient, params: dict[str, str], receipts: int) -> None:
    assert _kpi(client, **params)["receipts"] == receipts


@pytest.mark.parametrize(
    "path",
    [
        "rfm",
        "rfm/movement",
        "abc",
        "cohorts",
        "funnel",
        "attribution",
        *(f"reports/{name}" for name in REPORTS),
    ],
)
def test_every_analysis_answers(client: TestClient, path: str) -> None:
    answer = client.get(f"/api/v1/analytics/{path}", params=PERIOD)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"]
    assert answer.json()["snapshot_refreshed_at"]


@pytest.mark.parametrize("path", ["kpi", "reports/sales"])
def test_downloads_match_the_json(client: TestClient, path: str) -> None:
    url = f"/api/v1/analytics/{path}"
    body = client.get(url, params=PERIOD | {"store": "S1"}).json()
    as_csv = client.get(url, params=PERIOD | {"store": "S1", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == body["columns"]
    assert len(rows) == len(body["rows"]) + 1
    as_xlsx = client.get(url, params=PERIOD | {"store": "S1", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        body["columns"],
        *([r[c] for c in body["columns"]] for r in body["rows"]),
    ]


def test_api_errors_have_the_one_shape(client: TestClient) -> None:
    wrong = [
        client.get("/api/v1/analytics/kpi", params={"by": "weather"}),
        client.get(
            "/api/v1/analytics/kpi",
            params={"since": "2026-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
        ),
        client.get("/api/v1/analytics/reports/stock"),
        client.get("/api/v1/analytics/abc", params={"subject": "store"}),
    ]
    assert [r.status_code for r in wrong] == [400, 400, 404, 400]
    assert all("error" in r.json() for r in wrong)


def test_cli(shared_store: Engine, tmp_path: Path) -> None:
    common = [
        "--db",
        str(shared_store.url),
        "--snapshot",
        str(tmp_path / "cli.duckdb"),
        "--since",
        "2025-07-01",
        "--until",
        "2025-10-01",
    ]
    result = CliRunner().invoke(cli, [*common, "refresh"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "kpi.xlsx"
    result = CliRunner().invoke(cli, [*common, "--format", "xlsx", "--out", str(out), "kpi"])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert ("all", "receipts", 7, 1, 6.0) in rows
    result = CliRunner().invoke(
        cli, [*common, "--format", "csv", "report", "receipts", "--limit", "1"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("1,")  # A: the most receipts


def test_the_default_period_ends_with_the_data(client: TestClient, shared: Snapshot) -> None:
    """The shop's data stops in 2025: the default period ends at the end of the last purchase's
    local day (the reporting zone's), not today, and covers the 365 days before it, on the API,
    the command line and the workstation alike (``analytics.period``)."""
    zone = report_zone()
    newest = shared.newest_purchase().astimezone(zone).date()
    answer = client.get("/api/v1/analytics/kpi").json()
    until = datetime.fromisoformat(answer["until"])
    assert until == datetime.combine(newest + timedelta(days=1), time(), zone)
    assert until - datetime.fromisoformat(answer["since"]) == timedelta(days=365)
    assert local_period(*default_days(date.today(), newest), zone).until == until
    orders = {r["kpi"]: r["value"] for r in answer["rows"]}["receipts"]
    assert orders > 0
    url = str(shared.path.with_suffix(".db"))
    result = CliRunner().invoke(
        cli, ["--db", f"sqlite:///{url}", "--snapshot", str(shared.path), "--format", "json", "kpi"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert {r["kpi"]: r["value"] for r in rows}["receipts"] == orders


@pytest.mark.parametrize("path", ["reports/receipts", "reports/sales", "reports/inactive"])
def test_a_report_cut_at_its_limit_says_how_many_rows_it_found(
    client: TestClient, path: str
) -> None:
    url = f"/api/v1/analytics/{path}"
    everything = client.get(url, params=PERIOD).json()
    assert everything["found"] == len(everything["rows"])
    assert everything["found"] >= 2
    cut = client.get(url, params=PERIOD | {"limit": 1}).json()
    assert len(cut["rows"]) == 1
    assert cut["found"] == everything["found"]


def test_a_report_without_a_limit_says_nothing_was_cut(client: TestClient) -> None:
    assert client.get("/api/v1/analytics/rfm", params=PERIOD).json()["found"] is None
