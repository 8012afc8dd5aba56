"""Holdout metrics: ranking for the model and the baseline, calibration for the model."""

import numpy as np
import pytest

from omnicrm.predict.evaluation import calibration, evaluate, ranking


def test_ranking_of_a_perfect_and_a_useless_score() -> None:
    y = np.array([1] * 30 + [0] * 70)
    perfect = ranking(y, np.linspace(1, 0, 100))
    assert perfect.roc_auc == 1.0
    assert perfect.pr_auc == pytest.approx(1.0)
    assert perfect.precision_top_decile == 1.0
    reversed_ = ranking(y, np.linspace(0, 1, 100))
    assert reversed_.roc_auc == 0.0
    assert reversed_.precision_top_decile == 0.0


def test_calibration_bins() -> None:
    p = np.array([0.05, 0.05, 0.15, 0.95, 0.95, 0.95, 0.95])
    y = np.array([0, 0, 1, 1, 1, 1, 0])
    bins = calibration(y, p)
    assert [(b.lo, b.customers, b.observed_rate) for b in bins] == [
        (0.0, 2, 0.0),
        (0.1, 1, 1.0),
        (pytest.approx(0.9), 4, 0.75),
    ]
    assert bins[2].mean_predicted == pytest.approx(0.95)


def test_evaluate_reports_both_and_refuses_bad_input() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    model = np.clip(y * 0.6 + rng.random(500) * 0.4, 0, 1)
    e = evaluate(y, model, rng.random(500), "coin")
    assert e.customers == 500
    assert e.model.roc_auc > 0.95 > 0.65 > e.baseline.roc_auc
    assert e.baseline_name == "coin"
    assert sum(b.customers for b in e.calibration) == 500
    assert e.as_dict()["model"]["roc_auc"] == e.model.roc_auc
    with pytest.raises(ValueError, match="differ in length: 500, 500, 3"):
        evaluate(y, model, np.zeros(3), "short")
    with pytest.raises(ValueError, match="churned and retained"):
        evaluate(np.ones(5), np.ones(5), np.ones(5), "one class")
