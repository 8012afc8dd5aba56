"""Churn: a label relative to each customer's own purchase cycle, LightGBM trained on a time split,
and scores with reasons and a retention action.

**Definition** (``ChurnDefinition``). At a cut-off T, an active customer (a purchase in the year
before T) has *churned* when they make no purchase in ``[T, T + window)``, where
``window = min(cap_days, max(floor_days, cycles x their own mean gap between purchase days))``;
a customer who bought on one day only has no gap of their own and takes the median of the others'.
With the defaults (2 cycles, floor 60, cap 120 days): a weekly or a monthly shopper churns after 60
quiet days, one who buys every six weeks after 84, a quarterly one after 120.

**Time split.** The data end is ``as_of``. The holdout cut-off is T2 = as_of - cap, the training
cut-off T1 = T2 - cap, so every label window ends by the next cut-off and nothing of the holdout's
future is seen in training. The evaluation model learns features at T1 -> labels in T1..T1+window
(early stopping on a fifth of those customers, chosen by id), and is scored on features at T2
against labels in T2..T2+window, next to a baseline score of the same customers. The model kept for
scoring is then refitted at T2 with the rounds found, so it has seen the most recent behaviour.

LightGBM runs on one thread (``num_threads=1``): on two shared cores more threads make it slower.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import lightgbm as lgb
import numpy as np
import orjson
import pyarrow as pa
from sqlalchemy import Engine

from omnicrm.predict import reasons, retention
from omnicrm.predict.evaluation import Evaluation, evaluate
from omnicrm.predict.features import build_features, feature_names

Baseline = Callable[[duckdb.DuckDBPyConnection, datetime, pa.Table], np.ndarray]
"""(snapshot cursor, cut-off, features at the cut-off) -> a risk score per row, higher = riskier."""

PARAMS = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 7,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "seed": 13,
    "deterministic": True,
    "verbosity": -1,
}
MONOTONE = {"recency_days": 1, "recency_ratio": 1}
"""Risk never falls as the quiet time grows (alone or against the customer's cycle): a prior that
keeps a small training set from learning noise in the tail, where the riskiest customers are."""
MAX_ROUNDS = 400
SCORE_BATCH = 100_000
EARLY_STOP = 30


@dataclass(frozen=True)
class ChurnDefinition:
    cycles: float = 2.0
    floor_days: int = 60
    cap_days: int = 120

    def windows(self, mean_gap_days: np.ndarray) -> np.ndarray:
        """Each customer's window in days (NaN gap: the median of the known gaps)."""
        gaps = np.asarray(mean_gap_days, dtype=np.float64)
        known = gaps[~np.isnan(gaps)]
        fill = float(np.median(known)) if len(known) else float(self.floor_days)
        gaps = np.where(np.isnan(gaps), fill, gaps)
        return np.clip(self.cycles * gaps, self.floor_days, self.cap_days)


DEFINITION = ChurnDefinition()


def recency_baseline(db: duckdb.DuckDBPyConnection, cutoff: datetime, f: pa.Table) -> np.ndarray:
    """The simplest honest baseline: the longer since the last purchase, the riskier."""
    return f.column("recency_days").to_numpy()


@dataclass
class ChurnModel:
    booster: lgb.Booster
    features: tuple[str, ...]
    definition: ChurnDefinition
    as_of: datetime
    train_cutoff: datetime
    holdout_cutoff: datetime
    rounds: int
    trained_customers: int
    metrics: Evaluation
    importance: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict:
        """What to store beside the model: its window, definition and holdout metrics."""
        return {
            "as_of": self.as_of.isoformat(),
            "train_cutoff": self.train_cutoff.isoformat(),
            "holdout_cutoff": self.holdout_cutoff.isoformat(),
            "definition": {
                "cycles": self.definition.cycles,
                "floor_days": self.definition.floor_days,
                "cap_days": self.definition.cap_days,
            },
            "rounds": self.rounds,
            "trained_customers": self.trained_customers,
            "features": list(self.features),
            "importance": self.importance,
            "metrics": self.metrics.as_dict(),
        }

    def dump(self) -> dict:
        """Everything needed to score again later, as JSON-ready data (the booster as text)."""
        return {"summary": self.summary(), "booster": self.booster.model_to_string()}

    @classmethod
    def load(cls, dumped: dict) -> ChurnModel:
        s = dumped["summary"]
        return cls(
            booster=lgb.Booster(model_str=dumped["booster"]),
            features=tuple(s["features"]),
            definition=ChurnDefinition(**s["definition"]),
            as_of=datetime.fromisoformat(s["as_of"]),
            train_cutoff=datetime.fromisoformat(s["train_cutoff"]),
            holdout_cutoff=datetime.fromisoformat(s["holdout_cutoff"]),
            rounds=s["rounds"],
            trained_customers=s["trained_customers"],
            metrics=Evaluation.from_dict(s["metrics"]),
            importance=s["importance"],
        )


def labels(
    db: duckdb.DuckDBPyConnection,
    f: pa.Table,
    cutoff: datetime,
    definition: ChurnDefinition = DEFINITION,
) -> np.ndarray:
    """1 where the customer of each row of ``f`` made no purchase within their window after
    ``cutoff`` (see the module docstring), else 0."""
    windows = definition.windows(f.column("mean_gap_days").to_numpy(zero_copy_only=False))
    db.register("lbl_people", pa.table({"customer": f.column("customer"), "window": windows}))
    try:
        (churned,) = db.execute(
            """SELECT list(n.customer IS NULL ORDER BY p.customer)
               FROM lbl_people p LEFT JOIN (
                   SELECT customer, min(placed_at) AS next_at FROM purchases
                   WHERE customer IS NOT NULL AND placed_at >= $cutoff
                     AND placed_at < $cutoff + to_days($cap)
                   GROUP BY customer) n
                 ON n.customer = p.customer
                AND epoch(n.next_at) - epoch($cutoff) < p.window * 86400""",
            {"cutoff": cutoff, "cap": definition.cap_days},
        ).fetchone()  # type: ignore[misc]
    finally:
        db.unregister("lbl_people")
    return np.asarray(churned or [], dtype=np.int8)


def train(
    db: duckdb.DuckDBPyConnection,
    as_of: datetime,
    engine: Engine | None = None,
    baseline: Baseline = recency_baseline,
    baseline_name: str = "recency (days since the last purchase)",
    definition: ChurnDefinition = DEFINITION,
) -> ChurnModel:
    """Train on the time split ending at ``as_of`` and evaluate on its holdout (module docstring).

    ``db`` is a snapshot cursor; ``engine`` the operational store, for the features only it holds
    (points, levels, complaints, surveys); ``baseline`` scores the holdout's customers for the
    comparison (the platform passes 1 - BG/NBD P(alive))."""
    holdout_cutoff = as_of - timedelta(days=definition.cap_days)
    train_cutoff = holdout_cutoff - timedelta(days=definition.cap_days)
    f1 = build_features(db, train_cutoff, engine)
    f2 = build_features(db, holdout_cutoff, engine)
    for name, f in (("training", f1), ("holdout", f2)):
        if f.num_rows < 50:
            raise ValueError(
                f"not enough history for churn: {f.num_rows} active customers at the {name} "
                f"cut-off; the data must cover {2 * definition.cap_days} days before "
                f"{as_of:%Y-%m-%d}"
            )
    names = feature_names(f1)
    y1, y2 = labels(db, f1, train_cutoff, definition), labels(db, f2, holdout_cutoff, definition)
    x1, x2 = matrix(f1, names), matrix(f2, names)
    evaluated, rounds = _fit(x1, y1, names, f1.column("customer").to_numpy())
    predicted = evaluated.predict(x2)
    metrics = evaluate(y2, predicted, baseline(db, holdout_cutoff, f2), baseline_name)
    final = lgb.train(
        _params(names, len(y2)), lgb.Dataset(x2, y2, feature_name=names), num_boost_round=rounds
    )
    gain = final.feature_importance("gain")
    total = float(gain.sum()) or 1.0
    return ChurnModel(
        booster=final,
        features=tuple(names),
        definition=definition,
        as_of=as_of,
        train_cutoff=train_cutoff,
        holdout_cutoff=holdout_cutoff,
        rounds=rounds,
        trained_customers=len(y2),
        metrics=metrics,
        importance={n: round(float(g) / total, 4) for n, g in zip(names, gain, strict=True)},
    )


def _fit(
    x: np.ndarray, y: np.ndarray, names: list[str], customers: np.ndarray
) -> tuple[lgb.Booster, int]:
    """Fit with early stopping on the customers whose id is divisible by 5."""
    valid = customers % 5 == 0
    if len(np.unique(y)) < 2:
        raise ValueError("the training cut-off has only churned or only retained customers")
    booster = lgb.train(
        _params(names, int((~valid).sum())),
        lgb.Dataset(x[~valid], y[~valid], feature_name=names),
        num_boost_round=MAX_ROUNDS,
        valid_sets=[lgb.Dataset(x[valid], y[valid], feature_name=names)],
        callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)],
    )
    return booster, max(1, booster.best_iteration or MAX_ROUNDS)


def _params(names: list[str], rows: int) -> dict:
    return {
        **PARAMS,
        "min_data_in_leaf": max(20, rows // 2000),
        "monotone_constraints": [MONOTONE.get(n, 0) for n in names],
    }


def matrix(f: pa.Table, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """The features as a float64 matrix, NaN where a value is missing."""
    columns = [f.column(n).to_numpy(zero_copy_only=False) for n in names]
    return np.column_stack(columns).astype(np.float64, copy=False)


def score(
    model: ChurnModel,
    db: duckdb.DuckDBPyConnection,
    as_of: datetime,
    engine: Engine | None = None,
) -> pa.Table:
    """Every active customer at ``as_of``: ``customer_id``, ``churn_risk`` (probability of churning
    within their window), ``reasons_ru`` / ``reasons_en`` (lists, at least one each) and
    ``action`` (the retention action, JSON text; see ``retention``). Scored ``SCORE_BATCH``
    customers at a time, so the sentences held as Python objects stay one batch's worth."""
    f = build_features(db, as_of, engine)
    names = list(model.features)
    missing = set(names) - set(f.column_names)
    if missing:
        raise ValueError(f"the model needs features the data lacks: {sorted(missing)}")
    batches = [
        _score_batch(model, names, f.slice(lo, SCORE_BATCH))
        for lo in range(0, max(f.num_rows, 1), SCORE_BATCH)
    ]
    return pa.concat_tables(batches).combine_chunks()


def _score_batch(model: ChurnModel, names: list[str], f: pa.Table) -> pa.Table:
    x = matrix(f, names)
    n = f.num_rows
    risk = model.booster.predict(x) if n else np.zeros(0)
    contributions = model.booster.predict(x, pred_contrib=True)[:, :-1] if n else np.zeros((0, 0))
    columns = {name: x[:, i] for i, name in enumerate(names)}
    ru, en = reasons.explain(contributions, names, columns)
    top = f.column("top_category").to_pylist()
    lapsed = f.column("lapsed_category").to_pylist()
    inputs = _retention_inputs(names)
    actions = [
        orjson.dumps(
            retention.recommend(
                float(risk[i]), {k: columns[k][i] for k in inputs}, top[i], lapsed[i]
            )
        ).decode()
        for i in range(n)
    ]
    return pa.table(
        {
            "customer_id": f.column("customer"),
            "churn_risk": pa.array(risk, pa.float64()),
            "reasons_ru": pa.array(ru, pa.list_(pa.string())),
            "reasons_en": pa.array(en, pa.list_(pa.string())),
            "action": pa.array(actions, pa.string()),
        }
    )


def _retention_inputs(names: list[str]) -> tuple[str, ...]:
    return tuple(n for n in retention.READS if n in names)
