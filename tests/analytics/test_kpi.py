"""Every KPI of the hand-made shop against figures worked out by hand (see ``analytics_shop``)."""

import pytest

from omnicrm.analytics.kpi import derive, kpis
from omnicrm.analytics.query import Filters, Period, Query
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot

EXPECTED = {
    "turnover_minor": 10700,  # 1500 + 2000 + 1000 (A2) + 4000 + 1000 + 500 + 700 (anonymous)
    "receipts": 7,  # the cancelled 9999 is out
    "average_receipt_minor": 1529,  # 10700 / 7 = 1528.57
    "items_per_receipt": 1.4286,  # 10 / 7
    "member_receipt_share": 0.7143,  # A x3 (A2 merged into A), B x2 = 5 / 7
    "buyers": 3,  # A, B, C
    "purchase_frequency": 2.0,  # 6 / 3
    "purchase_frequency_per_year": 7.9348,  # 2 * 365 / 92
    "spend_per_buyer_minor": 3333,  # 10000 / 3
    "spend_per_year_minor": 13225,  # 10000 / 3 * 365 / 92 = 13224.6
    "spend_all_time_minor": 4333,  # (7500 + 5000 + 500) / 3
    "ltv_minor": 2760,  # (7500 + 5000 + 500 + 800 + 1000 - 1000 returned) / 5
    "new_customers": 2,  # B, C
    "enrolment_conversion": 0.5,  # B enrolled, C not
    "repeat_rate_new": 0.5,  # B bought twice
    "points_redemption_share": 0.0467,  # 500 / 10700
    "referrer_share": 0.3333,  # A brought B (account opened 07-02)
    "churn_rate_annual": 1.0,  # D bought in the year before last, not since
    "visit_frequency": 2.0,  # A 3 days, B 2, C 1
    "visits_per_year": 7.9348,
    "loyal_buyers": 2,  # A (4 purchases), B (2)
    "one_time_buyers": 1,  # C
    "loyal_average_receipt_minor": 1900,  # 9500 / 5
    "one_time_average_receipt_minor": 500,
    "loyal_vs_one_time_receipt": 3.8,
    "loyal_items_per_receipt": 1.6,  # (3 + 5) / 5
    "one_time_items_per_receipt": 1.0,
}


def _values(snapshot: Snapshot, query: Query, group: str = "all") -> dict:
    report = run(snapshot, kpis, query)
    return {r["kpi"]: r for r in report.records() if r["group"] == group}


def test_every_kpi_matches_the_hand_computed_figure(snapshot: Snapshot, period: Period) -> None:
    """On both stores: the snapshot read from SQLite and from PostgreSQL gives the same answer."""
    got = _values(snapshot, Query(period))
    assert {k: got[k]["value"] for k in EXPECTED} == EXPECTED
    assert set(got) == set(EXPECTED)


def test_the_previous_period_sits_beside(shared: Snapshot, period: Period) -> None:
    got = _values(shared, Query(period))
    # [2025-03-31, 2025-07-01): E's one receipt of 1000.
    assert got["receipts"]["previous"] == 1
    assert got["turnover_minor"]["previous"] == 1000
    assert got["turnover_minor"]["change"] == 9.7
    assert got["new_customers"]["previous"] == 1


@pytest.mark.parametrize(
    ("filters", "receipts", "turnover"),
    [
        (Filters(channel="store"), 4, 7200),
        (Filters(store="S2"), 2, 5000),
        (Filters(city="Казань"), 2, 5000),
        (Filters(level="silver"), 3, 4500),
        (Filters(segment="Champions"), 3, 4500),
        (Filters(segment="Loyal"), 2, 5000),
    ],
)
def test_filters(
    shared: Snapshot, period: Period, filters: Filters, receipts: int, turnover: int
) -> None:
    got = _values(shared, Query(period, filters))
    assert (got["receipts"]["value"], got["turnover_minor"]["value"]) == (receipts, turnover)


def test_breakdown_by_channel(shared: Snapshot, period: Period) -> None:
    report = run(shared, kpis, Query(period, by="channel"))
    turnover = {r["group"]: r["value"] for r in report.records() if r["kpi"] == "turnover_minor"}
    assert turnover == {"store": 7200, "web": 2500, "app": 1000}


def test_no_receipts_gives_no_ratios() -> None:
    counts = dict.fromkeys(
        [
            "turnover",
            "receipts",
            "items",
            "member_receipts",
            "buyers",
            "buyer_receipts",
            "buyer_spend",
            "all_time_spend",
            "visits",
            "new_buyers",
            "new_enrolled",
            "new_repeat",
            "referrers",
            "loyal",
            "loyal_receipts",
            "loyal_spend",
            "loyal_items",
            "one_time",
            "one_time_receipts",
            "one_time_spend",
            "one_time_items",
            "ever_buyers",
            "net_spend",
            "churn_base",
            "churned",
            "points",
        ],
        None,
    )
    empty = derive(counts, 30)
    assert empty["receipts"] == 0
    assert empty["average_receipt_minor"] is None
