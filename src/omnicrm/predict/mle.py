"""Maximum likelihood shared by the CLV models: customers collapsed to their unique summary rows
(a million customers observed in whole days have far fewer distinct ``(x, t_x, T)`` triples, and
the log-likelihood is a weighted sum over those), and a bounded quasi-Newton search over the
logarithms of the parameters, which keeps them positive without constraints."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

Objective = Callable[[np.ndarray], tuple[float, np.ndarray] | float]


@dataclass(frozen=True, slots=True)
class Rows:
    """Unique rows of the summary columns, with how many customers each stands for."""

    columns: tuple[np.ndarray, ...]
    weights: np.ndarray


def unique_rows(*columns: np.ndarray, weights: np.ndarray | None = None) -> Rows:
    """Collapse equal rows of ``columns`` (same length, numeric) into one weighted row; with
    ``weights`` the rows are taken as already unique (a caller that collapsed them cheaper)."""
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if (w <= 0).any() or any(len(c) != len(w) for c in columns):
            raise ValueError("weights must be positive, one per summary row")
        return Rows(tuple(np.asarray(c, dtype=np.float64) for c in columns), w)
    stacked = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    if len(stacked) == 0:
        raise ValueError("no customers to fit")
    if not np.isfinite(stacked).all():
        raise ValueError("summary values must be finite")
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return Rows(tuple(rows[:, i] for i in range(rows.shape[1])), counts.astype(np.float64))


@dataclass(frozen=True, slots=True)
class Levels:
    """The distinct values of a whole-number column (frequency has few), each row's index into
    them and the weight each gathers: terms depending on x alone are computed once per level."""

    values: np.ndarray
    index: np.ndarray
    weights: np.ndarray


def levels(x: np.ndarray, weights: np.ndarray) -> Levels:
    values, index = np.unique(x, return_inverse=True)
    return Levels(values, index, np.bincount(index, weights, len(values)))


@dataclass(frozen=True, slots=True)
class Pairs:
    """The distinct (x, t) pairs of two columns and each row's index into them."""

    x: np.ndarray
    t: np.ndarray
    index: np.ndarray


def pairs(x: np.ndarray, t: np.ndarray) -> Pairs:
    rows, index = np.unique(np.column_stack([x, t]), axis=0, return_inverse=True)
    return Pairs(rows[:, 0], rows[:, 1], index.ravel())


def maximise(objective: Objective, start: np.ndarray, jac: bool) -> tuple[np.ndarray, float]:
    """The log-parameters maximising the log-likelihood, and that log-likelihood.

    ``objective`` returns the *negative* log-likelihood (and its gradient when ``jac``); the
    search is bounded to a factor exp(10) either side of ``start`` per parameter, so a flat
    direction cannot run off while spend in minor units (a scale of 10^5) stays in reach."""
    result = minimize(
        objective,
        start,
        jac=jac,
        method="L-BFGS-B",
        bounds=[(s - 10.0, s + 10.0) for s in start],
        options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-8},
    )
    if not np.isfinite(result.fun):
        raise ValueError(f"the likelihood could not be maximised: {result.message}")
    return result.x, -float(result.fun)


def check_summary(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> None:
    """Refuse summaries no purchase history can produce, naming what is wrong."""
    if not (len(x) == len(t_x) == len(age)):
        raise ValueError("frequency, recency and T must have the same length")
    if (x < 0).any() or (x != np.floor(x)).any():
        raise ValueError("frequency must be a whole number >= 0")
    if (t_x < 0).any() or (t_x > age).any():
        raise ValueError("recency must lie between 0 and T (the age)")
    if ((x == 0) & (t_x != 0)).any():
        raise ValueError("recency must be 0 for customers without repeat purchases")
