"""The retail reports (A4) of the hand-made shop, worked out by hand."""

import pytest

from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.reports import ReportOptions
from omnicrm.analytics.reports.profiles import age_band
from omnicrm.analytics.service import report_analysis, run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.core.errors import NotFound


def _rows(shared: Snapshot, period: Period, name: str, **options: object) -> list[dict]:
    analysis = report_analysis(name, ReportOptions(**options))  # type: ignore[arg-type]
    return run(shared, analysis, Query(period)).records()


def test_sales_without_stock(shared: Snapshot, period: Period) -> None:
    rows = _rows(shared, period, "sales", group="sku")
    got = {
        r["sku"]: (
            r["units"],
            r["revenue_minor"],
            r["receipts"],
            r["returned_units"],
            r["net_revenue_minor"],
        )
        for r in rows
    }
    assert got == {
        "P3": (4, 4000, 1, 1, 3000),
        "P1": (4, 3700, 4, 0, 3700),
        "P2": (2, 3000, 2, 0, 3000),
    }
    assert not any("stock" in c for c in rows[0])


def test_product_loyalty_by_gender(shared: Snapshot, period: Period) -> None:
    # Bags: A (F) in two receipts (08-01 and A2's 09-20), B (M) in one. Shoes: one each.
    rows = _rows(shared, period, "product_loyalty", profile="gender")
    got = {(r["gender"], r["category"]): (r["buyers"], r["repeat_buyers"]) for r in rows}
    assert got == {
        ("F", "Bags"): (1, 1),
        ("F", "Shoes"): (1, 0),
        ("M", "Bags"): (1, 0),
        ("M", "Shoes"): (1, 0),
        ("(unknown)", "Shoes"): (1, 0),
    }


def test_product_loyalty_by_age_band_and_brand(shared: Snapshot, period: Period) -> None:
    rows = _rows(shared, period, "product_loyalty", profile="age_band", group="brand")
    got = {r["age_band"]: (r["buyers"], r["repeat_buyers"]) for r in rows}
    # One brand: A (35) and B (45) bought it in two receipts each, C once.
    assert got == {"35-44": (1, 1), "45-54": (1, 1), "(unknown)": (1, 0)}


def test_store_dynamics(shared: Snapshot, period: Period) -> None:
    rows = _rows(shared, period, "store_dynamics", grain="month")
    got = [(r["store"], r["month"], r["receipts"], r["revenue_minor"]) for r in rows]
    assert got == [
        ("S1", "2025-07-01", 1, 1500),
        ("S1", "2025-08-01", 1, 700),
        ("S2", "2025-07-01", 1, 4000),
        ("S2", "2025-09-01", 1, 1000),
    ]


def test_demographics(shared: Snapshot, period: Period) -> None:
    rows = _rows(shared, period, "demographics")
    gender = {
        r["value"]: (r["receipts"], r["revenue_minor"]) for r in rows if r["dimension"] == "gender"
    }
    assert gender == {"F": (3, 4500), "M": (2, 5000), "(unknown)": (1, 500)}
    city = {r["value"]: r["buyers"] for r in rows if r["dimension"] == "city"}
    assert city == {"Москва": 1, "Казань": 1, "(unknown)": 1}


@pytest.mark.parametrize(
    ("name", "fewest", "order"),
    [
        ("items_per_receipt", False, ["B", "A", "C"]),  # 2.5, then A and C at 1.0 by id
        ("receipts", False, ["A", "B", "C"]),
        ("receipts", True, ["C", "B", "A"]),
        ("receipt_sum", False, ["B", "A", "C"]),  # 5000, 4500, 500
    ],
)
def test_rankings(
    shared: Snapshot, period: Period, name: str, fewest: bool, order: list[str]
) -> None:
    ids = {1: "A", 2: "B", 4: "C"}  # customers in insertion order: A, B, A2, C, D, E
    rows = _rows(shared, period, name, fewest=fewest)
    assert [ids[r["customer_id"]] for r in rows] == order


def test_inactive(shared: Snapshot, period: Period) -> None:
    rows = _rows(shared, period, "inactive", inactive_days=90)
    assert [(r["customer_id"], r["spend_minor"], r["last_purchase"]) for r in rows] == [
        (6, 1000, "2025-05-01"),  # E
        (5, 800, "2024-06-01"),  # D
    ]


def test_store_frequency(shared: Snapshot, period: Period) -> None:
    rows = _rows(shared, period, "store_frequency")
    got = {r["store"]: (r["buyers"], r["receipts"], r["receipts_per_buyer"]) for r in rows}
    assert got == {"S1": (1, 1, 1.0), "S2": (1, 2, 2.0)}


def test_registrations(shared: Snapshot, period: Period) -> None:
    rows = _rows(shared, period, "registrations")
    assert [(r["store"], r["month"], r["members_enrolled"]) for r in rows] == [
        ("S2", "2025-07-01", 1)
    ]


def test_unknown_report(shared: Snapshot) -> None:
    with pytest.raises(NotFound):
        report_analysis("stock", ReportOptions())


def test_age_bands() -> None:
    assert [age_band(a) for a in (0, 24, 25, 34, 35, 54, 55, 99)] == [
        "under 25",
        "under 25",
        "25-34",
        "25-34",
        "35-44",
        "45-54",
        "55+",
        "55+",
    ]
