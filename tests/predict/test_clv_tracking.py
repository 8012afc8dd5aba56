"""The tracking plot data on CDNOW: cumulative repeat purchases, actual against the BG/NBD
expectation for the cohort, calibration (weeks 1-39) and holdout (40-78)."""

import pyarrow as pa
import pytest
from clv_data import (
    CDNOW_CALIBRATION_END,
    CDNOW_END,
    CDNOW_ORIGIN,
    cdnow_snapshot,
)

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.predict import bgnbd, clv, tracking


@pytest.fixture(scope="module", params=sorted(clv.MODELS))
def plot(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> pa.Table:
    snapshot = cdnow_snapshot(tmp_path_factory.mktemp("cdnow"))
    model, _ = clv.fit_and_score(snapshot, CDNOW_CALIBRATION_END, model=request.param)
    return tracking.tracking(
        snapshot, model.purchases, CDNOW_ORIGIN, CDNOW_CALIBRATION_END, CDNOW_END
    )


def test_weeks_1_to_78_with_the_holdout_from_week_40(plot: pa.Table) -> None:
    rows = plot.to_pylist()
    assert [r["week"] for r in rows] == list(range(1, 79))
    assert [r["week"] for r in rows if r["holdout"]] == list(range(40, 79))
    actual = [r["actual"] for r in rows]
    assert actual == sorted(actual)
    assert actual[38] == 2457  # the calibration period's repeat purchase days (sum of x)


def test_the_expectation_tracks_the_actual_purchases(plot: pa.Table) -> None:
    """Cumulative totals within 5% every week from week 20 (earlier counts are too small for a
    relative error to mean much), in the holdout too."""
    for row in plot.to_pylist()[19:]:
        assert row["expected"] == pytest.approx(row["actual"], rel=0.05), row["week"]


def test_a_bad_period_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    snapshot = Snapshot(tmp_path_factory.mktemp("empty") / "analytics.duckdb")
    params = bgnbd.BgNbd(0.243, 4.414, 0.793, 2.426, 0.0, 0)
    with pytest.raises(ValueError, match="origin <= calibration_end < until"):
        tracking.tracking(snapshot, params, CDNOW_END, CDNOW_CALIBRATION_END, CDNOW_ORIGIN)
