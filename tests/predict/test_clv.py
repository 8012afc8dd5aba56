"""CLV over the analytics snapshot: the customer summary's conventions, the scores and their
agreement with lifetimes' CLV, the per-segment totals, and refusal of bad terms."""

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from clv_data import CDNOW_CALIBRATION_END, cdnow_snapshot, load_purchases
from lifetimes import BetaGeoFitter, GammaGammaFitter

from omnicrm.analytics.rfm import INACTIVE
from omnicrm.analytics.segments import SEGMENTS
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.predict import clv


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    snapshot = cdnow_snapshot(tmp_path_factory.mktemp("cdnow"))
    return snapshot


@pytest.fixture(scope="module")
def scored(cdnow: Snapshot) -> tuple[clv.ClvModel, pa.Table]:
    return clv.fit_and_score(
        cdnow, CDNOW_CALIBRATION_END, horizon_days=360, discount=0.01, margin=0.3
    )


def test_the_summary_counts_purchase_days_of_resolved_customers(tmp_path: Path) -> None:
    snapshot = Snapshot(tmp_path / "analytics.duckdb")
    jan = lambda day, hour=12: datetime(2024, 1, day, hour, tzinfo=UTC)  # noqa: E731
    load_purchases(
        snapshot,
        [
            (1, jan(1, 10), 1000),
            (1, jan(1, 15), 500),  # same day: one purchase of 1500
            (1, jan(5), 2000),
            (1, jan(10), 9999),  # cancelled
            (2, jan(3), 700),  # profile 2 was merged into 3
            (3, jan(20), 300),
            (4, jan(31, 23), 450),  # on the as-of day, which is included
            (5, datetime(2024, 2, 1, tzinfo=UTC), 100),  # after it
        ],
        cancelled=frozenset({4}),
        merged={2: 3},
    )
    summary = clv.customer_summary(snapshot, date(2024, 1, 31)).to_pylist()
    assert summary == [
        {"customer_id": 1, "frequency": 1, "recency": 4, "T": 30, "repeat_spend_minor": 2000},
        {"customer_id": 3, "frequency": 1, "recency": 17, "T": 28, "repeat_spend_minor": 300},
        {"customer_id": 4, "frequency": 0, "recency": 0, "T": 0, "repeat_spend_minor": 0},
    ]


def test_fit_and_score_gives_every_customer_integer_minor_units(
    scored: tuple[clv.ClvModel, pa.Table],
) -> None:
    model, scores = scored
    assert model.purchases.r == pytest.approx(0.243, rel=0.005)
    assert model.spend.gamma == pytest.approx(1544, rel=0.005)  # cents
    assert model.spend.customers == 946
    assert scores.num_rows == 2357
    assert scores.column_names == [
        "customer_id", "frequency", "recency", "T", "p_alive", "expected_purchases",
        "expected_spend_minor", "clv_minor",
    ]  # fmt: skip
    assert scores.schema.field("clv_minor").type == pa.int64()
    assert scores.schema.field("expected_spend_minor").type == pa.int64()
    alive = scores["p_alive"].to_numpy()
    assert ((alive > 0) & (alive <= 1)).all()
    assert (scores["clv_minor"].to_numpy() >= 0).all()


def test_clv_matches_lifetimes_month_by_month_discounting(
    cdnow: Snapshot, scored: tuple[clv.ClvModel, pa.Table]
) -> None:
    """lifetimes in day units (alpha * 7), 12 months of 30 days, 1% a month; ours times margin."""
    model, scores = scored
    p, spend = model.purchases, model.spend
    purchases = BetaGeoFitter()
    purchases.params_ = pd.Series({"r": p.r, "alpha": p.alpha * 7, "a": p.a, "b": p.b})
    purchases.predict = purchases.conditional_expected_number_of_purchases_up_to_time  # as fit sets
    money = GammaGammaFitter()
    money.params_ = pd.Series({"p": spend.p, "q": spend.q, "v": spend.gamma})
    summary = clv.customer_summary(cdnow, CDNOW_CALIBRATION_END)
    frame = scores.to_pandas()
    expected = money.customer_lifetime_value(
        purchases,
        frame.frequency.astype(float),
        frame.recency.astype(float),
        frame["T"].astype(float),
        pd.Series(clv.mean_repeat_spend(summary)),
        time=12,
        discount_rate=0.01,
        freq="D",
    )
    assert np.abs(frame.clv_minor - np.rint(0.3 * expected)).max() <= 1
    assert frame.clv_minor.sum() > 0


def test_discounting_and_margin_lower_the_value(cdnow: Snapshot) -> None:
    def total(**terms: float) -> int:
        _, scores = clv.fit_and_score(cdnow, CDNOW_CALIBRATION_END, horizon_days=365, **terms)
        return int(scores["clv_minor"].to_numpy().sum())

    full = total(discount=0.0, margin=1.0)
    assert total(discount=0.05, margin=1.0) < full
    assert total(discount=0.0, margin=0.25) == pytest.approx(full / 4, rel=1e-3)


def test_pareto_nbd_scores_too(cdnow: Snapshot) -> None:
    model, scores = clv.fit_and_score(cdnow, CDNOW_CALIBRATION_END, model="paretonbd")
    assert model.purchases.s == pytest.approx(0.606, rel=0.005)
    assert scores.num_rows == 2357


def test_segment_totals_add_up_to_the_customers_scores(
    cdnow: Snapshot, scored: tuple[clv.ClvModel, pa.Table]
) -> None:
    _, scores = scored
    totals = clv.clv_by_segment(cdnow, scores, CDNOW_CALIBRATION_END, days=91)
    rows = totals.to_pylist()
    assert sum(r["customers"] for r in rows) == scores.num_rows
    assert sum(r["clv_minor"] for r in rows) == scores["clv_minor"].to_numpy().sum()
    assert {r["segment"] for r in rows} <= {*SEGMENTS, INACTIVE}
    assert INACTIVE in {r["segment"] for r in rows}  # bought only before the last 91 days
    by_name = {r["segment"]: r for r in rows}
    assert (
        by_name["Champions"]["clv_per_customer_minor"] > by_name["Lost"]["clv_per_customer_minor"]
    )


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"horizon_days": 0}, "horizon_days"),
        ({"discount": 1.5}, "discount"),
        ({"margin": 0.0}, "margin"),
        ({"model": "magic"}, "model must be one of"),
    ],
)
def test_bad_terms_are_refused_by_name(cdnow: Snapshot, terms: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clv.fit_and_score(cdnow, CDNOW_CALIBRATION_END, **terms)


def test_no_purchases_before_the_date_is_a_clear_error(cdnow: Snapshot) -> None:
    with pytest.raises(ValueError, match="no customer bought on or before 1990-01-01"):
        clv.fit_and_score(cdnow, date(1990, 1, 1))
