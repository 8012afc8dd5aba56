"""How good a churn score is on a holdout, next to a baseline score of the same customers.

ROC-AUC and PR-AUC (average precision) rank; precision at the top decile says how many of the
tenth a retention campaign would target really churn; calibration compares the mean predicted
probability with the churn rate observed in ten equal-width bins (and the Brier score). A baseline
(for the platform: 1 - BG/NBD P(alive); in tests without it: the days since the last purchase) is
a risk *score*, not necessarily a probability, so only the ranking metrics are computed for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

BINS = 10


@dataclass(frozen=True)
class Ranking:
    roc_auc: float
    pr_auc: float
    precision_top_decile: float


@dataclass(frozen=True)
class CalibrationBin:
    lo: float
    hi: float
    customers: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Evaluation:
    customers: int
    churn_rate: float
    model: Ranking
    baseline_name: str
    baseline: Ranking
    brier: float
    calibration: tuple[CalibrationBin, ...]

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Evaluation:
        return cls(
            customers=d["customers"],
            churn_rate=d["churn_rate"],
            model=Ranking(**d["model"]),
            baseline_name=d["baseline_name"],
            baseline=Ranking(**d["baseline"]),
            brier=d["brier"],
            calibration=tuple(CalibrationBin(**b) for b in d["calibration"]),
        )


def ranking(y: np.ndarray, score: np.ndarray) -> Ranking:
    """Ranking metrics of ``score`` (higher = more at risk) against labels ``y`` (1 = churned)."""
    y = np.asarray(y, dtype=np.int8)
    score = np.asarray(score, dtype=np.float64)
    top = max(1, len(y) // 10)
    order = np.argsort(-score, kind="stable")
    return Ranking(
        roc_auc=float(roc_auc_score(y, score)),
        pr_auc=float(average_precision_score(y, score)),
        precision_top_decile=float(y[order[:top]].mean()),
    )


def calibration(y: np.ndarray, p: np.ndarray, bins: int = BINS) -> tuple[CalibrationBin, ...]:
    """Observed churn rate against the mean prediction in equal-width bins (empty bins left out)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            out.append(
                CalibrationBin(
                    lo=round(float(edges[b]), 6),
                    hi=round(float(edges[b + 1]), 6),
                    customers=int(inside.sum()),
                    mean_predicted=float(p[inside].mean()),
                    observed_rate=float(y[inside].mean()),
                )
            )
    return tuple(out)


def evaluate(
    y: np.ndarray, predicted: np.ndarray, baseline: np.ndarray, baseline_name: str
) -> Evaluation:
    """The model's probabilities ``predicted`` and the ``baseline`` risk scores on labels ``y``."""
    y = np.asarray(y, dtype=np.int8)
    predicted = np.asarray(predicted, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    if not (len(y) == len(predicted) == len(baseline)):
        raise ValueError(
            f"labels, predictions and baseline differ in length: "
            f"{len(y)}, {len(predicted)}, {len(baseline)}"
        )
    if len(np.unique(y)) < 2:
        raise ValueError("the holdout needs churned and retained customers to be evaluated")
    return Evaluation(
        customers=len(y),
        churn_rate=float(y.mean()),
        model=ranking(y, predicted),
        baseline_name=baseline_name,
        baseline=ranking(y, baseline),
        brier=float(brier_score_loss(y, predicted)),
        calibration=calibration(y, predicted),
    )
