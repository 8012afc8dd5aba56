"""Stock counts streamed in drive sales-and-stock and ABC by average stock, worked out by hand
on the hand-made shop (period P = [07-01, 10-01), 92 days).

Store sales in P: S1 P1 x2 (07-05 1500, 08-15 700), S2 P3 x4 (4000), S2 P1 x1 (1000).
Counts: S1/P1 06-30 10, 07-31 9, 08-31 8, 09-30 8, 10-31 50 (after P); S2/P3 07-31..09-30 6;
S1/P2 09-30 5 (nothing sold).
"""

from functools import partial
from pathlib import Path

import pytest
from analytics_shop import Shop
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from omnicrm.access.keys import create_key
from omnicrm.analytics.abc import AbcRules, abc
from omnicrm.analytics.query import Filters, Period, Query
from omnicrm.analytics.reports import ReportOptions
from omnicrm.analytics.service import report_analysis, run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.api.app import create_app
from omnicrm.ingest.stream import ingest_records
from omnicrm.store.db import unit_of_work

COUNTS = [
    ("S1", "P1", "2025-06-30", 10),
    ("S1", "P1", "2025-07-31", 9),
    ("S1", "P1", "2025-08-31", 8),
    ("S1", "P1", "2025-09-30", 8),
    ("S1", "P1", "2025-10-31", 50),
    ("S2", "P3", "2025-07-31", 6),
    ("S2", "P3", "2025-08-31", 6),
    ("S2", "P3", "2025-09-30", 6),
    ("S1", "P2", "2025-09-30", 5),
]


@pytest.fixture
def stocked(engine: Engine, shop: Shop, tmp_path: Path) -> Snapshot:
    raws = [{"store_code": s, "sku": k, "date": d, "qty_on_hand": str(q)} for s, k, d, q in COUNTS]
    assert {a.status for a in ingest_records(engine, "stock", raws)} == {"inserted"}
    snap = Snapshot(tmp_path / "stock.duckdb")
    snap.refresh(engine)
    return snap


def _report(snap: Snapshot, period: Period, **filters: str) -> list[tuple]:
    analysis = report_analysis("sales_stock", ReportOptions(group="sku"))
    report = run(snap, analysis, Query(period, Filters(**filters)))
    return report.rows


def test_sales_and_stock_by_store_and_sku(stocked: Snapshot, period: Period) -> None:
    assert _report(stocked, period) == [
        ("S2", "P3", 4, 4000, 6.0, 6, 0.4, 138.0),
        ("S1", "P1", 2, 2200, 8.33, 8, 0.2, 368.0),
        ("S2", "P1", 1, 1000, None, None, None, None),
        ("S1", "P2", 0, 0, 5.0, 5, 0.0, None),
    ]
    assert [r[:2] for r in _report(stocked, period, store="S1")] == [("S1", "P1"), ("S1", "P2")]


def test_abc_xyz_by_average_stock(stocked: Snapshot, period: Period) -> None:
    analysis = partial(
        abc, subjects=("sku", "customer"), measures=("stock",), rules=AbcRules(), detail=10
    )
    report = run(stocked, analysis, Query(period))
    got = {r["item"]: (r["value"], r["abc"], r["xyz"]) for r in report.records()}
    # monthly averages / 3 months: P1 (9 + 8 + 8) / 3, P3 6, P2 5 / 3; customers hold no stock
    assert got == {"P1": (8.3333, "A", "X"), "P3": (6.0, "A", "X"), "P2": (1.6667, "B", "Z")}
    with pytest.raises(ValueError, match="category and sku only"):
        run(stocked, partial(abc, subjects=("customer",), measures=("stock",)), Query(period))


def test_sales_and_stock_over_the_api(engine: Engine, stocked: Snapshot) -> None:
    app = create_app(engine)
    app.state.analytics = stocked
    with unit_of_work(engine) as session:
        key = create_key(session, "analyst", ["analytics:read"])
    response = TestClient(app).get(
        "/api/v1/analytics/reports/sales_stock",
        params={"since": "2025-07-01T00:00:00Z", "until": "2025-10-01T00:00:00Z", "group": "sku"},
        headers={"X-API-Key": key},
    )
    assert response.status_code == 200, response.text
    first = response.json()["rows"][0]
    assert (first["store"], first["sku"], first["sell_through"], first["days_of_cover"]) == (
        "S2",
        "P3",
        0.4,
        138.0,
    )
