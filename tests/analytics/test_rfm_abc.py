"""RFM and ABC/XYZ of the hand-made shop, worked out by hand."""

import statistics
from functools import partial

import pytest

from omnicrm.analytics.abc import AbcRules, abc
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.rfm import rfm_movement, rfm_segments
from omnicrm.analytics.segments import SEGMENTS, segment_of
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot


@pytest.mark.parametrize(
    ("scores", "segment"),
    [
        ((5, 5, 5), "Champions"),
        ((5, 1, 1), "New"),
        ((4, 1, 1), "Promising"),
        ((4, 3, 3), "Loyal"),
        ((5, 2, 3), "Potential loyalists"),
        ((3, 3, 3), "Need attention"),
        ((3, 1, 2), "About to sleep"),
        ((2, 3, 4), "At risk"),
        ((1, 5, 4), "Can't lose them"),
        ((2, 1, 1), "Hibernating"),
        ((1, 1, 1), "Lost"),
    ],
)
def test_segment_naming(scores: tuple[int, int, int], segment: str) -> None:
    assert segment_of(*scores) == segment


def test_every_score_has_a_segment_and_every_segment_a_score() -> None:
    named = {segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert named == set(SEGMENTS)
    with pytest.raises(ValueError, match="scores must be"):
        segment_of(0, 1, 1)


def test_rfm_sizes(shared: Snapshot, period: Period) -> None:
    # Recency to 10-01: A 11 days, B 30, C 73; frequency 3, 2, 1; monetary 4500, 5000, 500.
    # Scores (1 + 5 x percent rank): A 5/5/3 -> FM 4 -> Champions; B 3/3/5 -> FM 4 -> Loyal;
    # C 1/1/1 -> Lost.
    report = run(shared, rfm_segments, Query(period))
    sizes = {r["segment"]: r["customers"] for r in report.records() if r["customers"]}
    assert sizes == {"Champions": 1, "Loyal": 1, "Lost": 1}
    champions = next(r for r in report.records() if r["segment"] == "Champions")
    assert (champions["avg_recency_days"], champions["monetary_minor"]) == (11.0, 4500)


def test_rfm_movement(shared: Snapshot, period: Period) -> None:
    # The previous period's only buyer, E, alone scores 1/1/1 (Lost) and did not buy in this one.
    report = run(shared, rfm_movement, Query(period))
    cells = {
        (r["previous_segment"], column): r[column]
        for r in report.records()
        for column in report.columns[1:-1]
        if r[column]
    }
    assert cells == {
        ("Lost", "(no purchase)"): 1,
        ("(no purchase)", "Champions"): 1,
        ("(no purchase)", "Loyal"): 1,
        ("(no purchase)", "Lost"): 1,
    }


def test_abc_xyz_of_skus_by_revenue(shared: Snapshot, period: Period) -> None:
    # SKU revenue in P: P3 4000 (July), P1 3700 (Jul 2000, Aug 700, Sep 1000), P2 3000
    # (Aug 2000, Sep 1000); 10700 in all. With A < 50%, B < 80% of the total before the SKU:
    # P3 (0) A, P1 (0.374) A, P2 (0.72) B.
    analysis = partial(
        abc, subjects=("sku",), measures=("revenue",), rules=AbcRules(a=0.5, b=0.8), detail=10
    )
    report = run(shared, analysis, Query(period))
    rows = {r["item"]: r for r in report.records()}
    assert {k: (r["value"], r["abc"]) for k, r in rows.items()} == {
        "P3": (4000, "A"),
        "P1": (3700, "A"),
        "P2": (3000, "B"),
    }
    for sku, months in (("P3", [4000, 0, 0]), ("P1", [2000, 700, 1000]), ("P2", [0, 2000, 1000])):
        cv = statistics.pstdev(months) / statistics.mean(months)
        assert rows[sku]["cv"] == pytest.approx(cv, abs=1e-4)
        assert rows[sku]["xyz"] == "Z"  # all above 25%


def test_abc_summary_of_categories_by_units_and_orders(shared: Snapshot, period: Period) -> None:
    # Units: Shoes (P1) 4, Bags (P2 2 + P3 4) 6. Orders: Shoes 4, Bags 3.
    analysis = partial(abc, subjects=("category",), measures=("units", "orders"))
    report = run(shared, analysis, Query(period))
    got: dict[tuple[str, str], int] = {}
    for r in report.records():  # one row per ABC x XYZ cell
        got[r["measure"], r["abc"]] = got.get((r["measure"], r["abc"]), 0) + r["value"]
    assert got == {("units", "A"): 10, ("orders", "A"): 7}


def test_abc_rejects_unknown_subjects(shared: Snapshot, period: Period) -> None:
    with pytest.raises(ValueError, match="unknown subject"):
        run(shared, partial(abc, subjects=("store",)), Query(period))
