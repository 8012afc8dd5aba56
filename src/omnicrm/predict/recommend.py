"""Next-best products per customer: item-item co-occurrence or implicit ALS, whichever wins a
time-split holdout, reported against popularity.

The holdout: fit on the ``history_days`` before the cut, the cut ``holdout_days`` before
``as_of``; the truth is what the same customers bought from the cut to ``as_of``
(``ranking_metrics`` states the metrics). The winner by MAP@k is then refitted on the
``history_days`` up to ``as_of`` and is the model returned.

What is not recommended (``excluded``): a product the customer bought in the last
``recent_days`` (30), ever; a product bought earlier, unless it is a *repeat product*, one that at
least ``repeat_share`` (20%) of its buyers bought on two or more orders of the window (notebooks,
shampoo): a second pair of the same shoes is not a recommendation, more notebooks may be. A
customer the model has not seen gets the most popular products.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from omnicrm.predict.als import ALS
from omnicrm.predict.cooccurrence import CoOccurrence
from omnicrm.predict.interactions import Interactions, load, positions, take_rows, time_split
from omnicrm.predict.ranking_metrics import evaluate

BATCH = 2048
RECENT_DAYS = 30
REPEAT_SHARE = 0.2
CANDIDATES = ("cooccurrence", "als")
SETTINGS: dict[str, tuple[dict[str, int], ...]] = {
    "popularity": ({},),
    "cooccurrence": ({},),
    "als": ({"factors": 8}, {"factors": 16}),
}
"""What is tried on the holdout per model: sparse histories want few ALS factors (more overfit),
a strong taste more; the better setting stands for ALS and is the one refitted."""


class Scorer(Protocol):
    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense (len(rows) x products) scores, higher is better."""
        ...


@dataclass(frozen=True, slots=True)
class Popularity:
    """Everyone gets the same scores: each product's number of buyers in the window."""

    buyers: np.ndarray

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self.buyers.astype(np.float32), (len(rows), 1))


def excluded(
    interactions: Interactions, recent_days: int = RECENT_DAYS, repeat_share: float = REPEAT_SHARE
) -> sp.csr_matrix:
    """The (customer, product) cells not to recommend (module docstring)."""
    matrix = interactions.matrix
    buyers = np.bincount(matrix.indices, minlength=matrix.shape[1])
    repeaters = np.bincount(matrix.indices[matrix.data >= 2], minlength=matrix.shape[1])
    repeat = repeaters >= repeat_share * np.maximum(buyers, 1)
    drop = (interactions.last_days < recent_days) | ~repeat[matrix.indices]
    out = matrix.copy().astype(bool)
    out.data = drop
    out.eliminate_zeros()
    return out


@dataclass(frozen=True, slots=True)
class Recommender:
    """A fitted model over one window's id maps."""

    kind: str
    scorer: Scorer
    interactions: Interactions
    excluded: sp.csr_matrix
    buyers: np.ndarray

    def top(self, rows: np.ndarray, n: int) -> np.ndarray:
        """Item indices (len(rows) x n) best first; popularity breaks ties (and fills the list
        of a customer with little history); ``-1`` where fewer than n are allowed."""
        n = min(n, self.buyers.size)
        tie = (self.buyers / max(int(self.buyers.max(initial=0)), 1) * 1e-4).astype(np.float32)
        out = np.empty((len(rows), n), dtype=np.int64)
        for lo in range(0, len(rows), BATCH):
            part = rows[lo : lo + BATCH]
            scores = self.scorer.scores(part) + tie
            r, c = self.excluded[part].nonzero()
            scores[r, c] = -np.inf
            best = np.argpartition(-scores, n - 1, axis=1)[:, :n]
            order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
            best = np.take_along_axis(best, order, axis=1)
            best[np.take_along_axis(scores, best, axis=1) == -np.inf] = -1
            out[lo : lo + len(part)] = best
        return out


def build(
    interactions: Interactions, kind: str, threads: int = 1, seed: int = 0, factors: int = 16
) -> Recommender:
    """Fit the model ``kind`` (popularity, cooccurrence or als) on one window."""
    scorers = {
        "popularity": lambda: Popularity(
            np.bincount(interactions.matrix.indices, minlength=interactions.shape[1])
        ),
        "cooccurrence": lambda: CoOccurrence.fit(interactions),
        "als": lambda: ALS.fit(interactions.matrix, factors, threads=threads, seed=seed),
    }
    if kind not in scorers:
        raise ValueError(f"unknown model {kind!r}: one of {sorted(scorers)}")
    return restore(kind, scorers[kind](), interactions)


def restore(kind: str, scorer: Scorer, interactions: Interactions) -> Recommender:
    """A fitted scorer over the window it was fitted on (for a stored model: read again from
    the snapshot on the stored rows and columns)."""
    buyers = np.bincount(interactions.matrix.indices, minlength=interactions.shape[1])
    return Recommender(kind, scorer, interactions, excluded(interactions), buyers)


def choose(results: dict[str, dict[str, float]], k: int = 10) -> str:
    """The candidate with the highest MAP@k (popularity is the baseline, never chosen); a tie
    goes to the one listed first in ``CANDIDATES``, the cheaper."""
    present = [name for name in CANDIDATES if name in results]
    if not present:
        raise ValueError(f"no candidate among {sorted(results)}")
    return max(present, key=lambda name: (results[name][f"map_at_{k}"], -present.index(name)))


def _sample(n: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    """All of ``range(n)``, or ``limit`` of them at random, ascending."""
    return np.arange(n) if n <= limit else np.sort(rng.choice(n, limit, replace=False))


def holdout(
    train: Interactions, test: Interactions, fitted: int, evaluated: int, seed: int
) -> tuple[Interactions, Interactions, np.ndarray]:
    """The train and test customers the holdout runs on: at most ``fitted`` of them (a fixed
    random sample: model choice needs a fair comparison, not every customer) and, of those who
    bought in the test window, at most ``evaluated`` scored."""
    rng = np.random.default_rng(seed)
    rows = _sample(len(train.customers), fitted, rng)
    train, test = take_rows(train, rows), take_rows(test, rows)
    buyers = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
    return train, test, buyers[_sample(len(buyers), evaluated, rng)]


def fit_recommender(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    history_days: int = 365,
    holdout_days: int = 60,
    k: int = 10,
    max_customers_fitted: int = 200_000,
    max_customers_evaluated: int = 50_000,
    threads: int = 1,
    seed: int = 0,
) -> tuple[Recommender, dict]:
    """Evaluate popularity, co-occurrence and ALS on the holdout, refit the winner up to
    ``as_of``; the metrics dict says the windows, each model's scores, which won and whether it
    beats popularity (where it does not, the data hold too little taste to learn). The holdout
    runs on at most ``max_customers_fitted`` customers and scores at most
    ``max_customers_evaluated`` of them (fixed random samples); the refit takes everyone."""
    cut = as_of - timedelta(days=holdout_days)
    train, test = time_split(con, cut - timedelta(days=history_days), cut, as_of)
    if train.matrix.nnz == 0:
        raise ValueError(f"no purchases before {cut.date()} to learn from")
    train, test, rows = holdout(train, test, max_customers_fitted, max_customers_evaluated, seed)
    if not len(rows):
        raise ValueError(f"no purchases from {cut.date()} to {as_of.date()} to evaluate on")
    results = {}
    for kind, settings in SETTINGS.items():
        tried = [
            {
                **evaluate(
                    build(train, kind, threads, seed, **s).top(rows, k), test.matrix[rows], k
                ),
                **s,
            }
            for s in settings
        ]
        results[kind] = max(tried, key=lambda r: r[f"map_at_{k}"])
    chosen = choose(results, k)
    params = {p: results[chosen][p] for p in SETTINGS[chosen][0]}
    full = load(con, as_of - timedelta(days=history_days), as_of)
    model = build(full, chosen, threads, seed, **params)
    metrics = {
        "chosen": chosen,
        "k": k,
        "train": {"since": train.since.isoformat(), "until": train.until.isoformat()},
        "test": {"since": test.since.isoformat(), "until": test.until.isoformat()},
        "fitted": {"since": model.interactions.since.isoformat(), "until": as_of.isoformat()},
        "holdout_customers": len(train.customers),
        "models": results,
        "map_lift_over_popularity": _lift(results, chosen, k),
        "beats_popularity": results[chosen][f"map_at_{k}"] > results["popularity"][f"map_at_{k}"],
    }
    return model, metrics


def _lift(results: dict[str, dict[str, float]], chosen: str, k: int) -> float | None:
    base = results["popularity"][f"map_at_{k}"]
    return None if base == 0 else results[chosen][f"map_at_{k}"] / base


def recommend(model: Recommender, customer_ids: np.ndarray | list[int], n: int = 10) -> pa.Table:
    """``customer_id`` and ``skus`` (best first) in the order asked; an id the model has not seen
    gets the most popular products."""
    if n < 1:
        raise ValueError("n must be at least 1")
    ids = np.asarray(customer_ids, dtype=np.int64)
    pos, seen = positions(ids, model.interactions.customers)
    width = min(n, model.buyers.size)
    items = np.empty((len(ids), width), dtype=np.int64)
    items[seen] = model.top(pos[seen], width)
    popular = np.argsort(-model.buyers, kind="stable")[:width]
    items[~seen] = popular
    valid = items >= 0
    offsets = np.concatenate([[0], np.cumsum(valid.sum(axis=1))]).astype(np.int32)
    skus = pa.array(model.interactions.skus[items[valid]], type=pa.string())
    return pa.table({"customer_id": pa.array(ids), "skus": pa.ListArray.from_arrays(offsets, skus)})
