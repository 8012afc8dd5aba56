"""Cohorts, funnel and attribution of the hand-made shop, worked out by hand."""

from omnicrm.analytics.attribution import attribution, position_weight
from omnicrm.analytics.cohorts import cohorts
from omnicrm.analytics.funnel import funnel
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot


def test_cohorts(shared: Snapshot, period: Period) -> None:
    # B and C first bought in July; in September (month 2) only B bought (1000).
    report = run(shared, cohorts, Query(period))
    rows = [
        (r["cohort"], r["month"], r["active_customers"], r["retention"], r["revenue_minor"])
        for r in report.records()
    ]
    assert rows == [("2025-07", 0, 2, 1.0, 4500), ("2025-07", 2, 1, 0.5, 1000)]


def test_funnel(shared: Snapshot, period: Period) -> None:
    # A came from google (utm of the 08-01 web order); C from vk (utm of the 07-19 view);
    # B is direct. A's store receipt and web delivery reached A; C's web order did not yet.
    report = run(shared, funnel, Query(period))
    got = {(r["source"], r["stage"]): r["customers"] for r in report.records() if r["customers"]}
    assert got == {
        ("google", "acquired"): 1,
        ("google", "purchased"): 1,
        ("google", "received"): 1,
        ("google", "received:courier"): 1,
        ("google", "received:in_store"): 1,
        ("(direct)", "acquired"): 1,
        ("(direct)", "purchased"): 1,
        ("(direct)", "received"): 1,
        ("(direct)", "received:in_store"): 1,
        ("(direct)", "feedback"): 1,
        ("vk", "acquired"): 1,
        ("vk", "browsed"): 1,
        ("vk", "carted"): 1,
        ("vk", "purchased"): 1,
    }


def test_position_weights_share_one_credit() -> None:
    for n in range(1, 8):
        assert abs(sum(position_weight(i, n) for i in range(1, n + 1)) - 1) < 1e-12
    assert [position_weight(i, 4) for i in (1, 2, 3, 4)] == [0.4, 0.1, 0.1, 0.4]


def test_attribution(shared: Snapshot, period: Period) -> None:
    # 30-day touchpoints before each purchase: A 08-01 <- A's store receipt 07-05; C 07-20 <- web
    # view 07-19 and web cart 07-20; A 07-05, B 07-03, B 09-01, A2 09-20 have none (direct).
    report = run(shared, attribution, Query(period))
    rows = {r["channel"]: r for r in report.records()}
    credit = {
        c: (
            r["first_touch"],
            r["last_touch"],
            r["position_based"],
            r["position_based_revenue_minor"],
        )
        for c, r in rows.items()
        if r["first_touch"]
    }
    assert credit == {
        "(direct)": (4, 4, 4.0, 7500),
        "store": (1, 1, 1.0, 2000),
        "web": (1, 1, 1.0, 500),
    }
    # New in P: B (first purchase and first touch in store) and C (web, first touch a web view).
    acquired = {
        c: (r["acquired_first_purchase"], r["acquired_first_touch"])
        for c, r in rows.items()
        if r["acquired_first_purchase"] or r["acquired_first_touch"]
    }
    assert acquired == {"store": (1, 1), "web": (1, 1)}
    converted = {c: (r["purchases"], r["revenue_minor"]) for c, r in rows.items() if r["purchases"]}
    assert converted == {"store": (3, 6500), "web": (2, 2500), "app": (1, 1000)}
