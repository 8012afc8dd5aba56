"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
customer buys at a Poisson rate lambda ~ Gamma(r, alpha) and after each repeat purchase drops out
with probability p ~ Beta(a, b). A customer is summarised by ``x`` repeat purchases, the time
``t_x`` of the last one and their age ``T`` (both measured from the first purchase).

The log-likelihood and its gradient are vectorised over the unique summary rows (no per-customer
loop); the parameters are fitted on their logarithms."""

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from omnicrm.predict.mle import Levels, check_summary, levels, maximise, unique_rows


@dataclass(frozen=True, slots=True)
class BgNbd:
    """Fitted BG/NBD parameters and the log-likelihood they reach on the fitting data."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int


@dataclass(frozen=True, slots=True)
class _Data:
    """Summary rows with their weights, and the distinct frequencies."""

    x: np.ndarray
    t_x: np.ndarray
    age: np.ndarray
    weights: np.ndarray
    levels: Levels


def _data(x: np.ndarray, t_x: np.ndarray, age: np.ndarray, weights: np.ndarray) -> _Data:
    x, t_x, age = (np.asarray(v, dtype=np.float64) for v in (x, t_x, age))
    return _Data(x, t_x, age, weights, levels(x, weights))


def _evaluate(log_params: np.ndarray, d: _Data, gradient: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood and (when asked) the weighted sum's gradient with respect to the
    log-parameters. Terms in x alone are taken per distinct x; per row there remain two logs and
    the log-sum of the "alive at T" and "dropped out after t_x" branches, ``gap`` being the log of
    their ratio (-inf without repeat purchases)."""
    r, alpha, a, b = np.exp(log_params)
    lx = d.levels.values
    head = gammaln(r + lx) - gammaln(r) + r * np.log(alpha) + betaln(a, b + lx) - betaln(a, b)
    with np.errstate(divide="ignore"):
        drop = np.where(lx > 0, np.log(a) - np.log(b + np.maximum(lx, 1) - 1), -np.inf)
    rx = r + d.x
    log_at, log_atx = np.log(alpha + d.age), np.log(alpha + d.t_x)
    gap = drop[d.levels.index] + rx * (log_at - log_atx)
    ll = head[d.levels.index] - rx * log_at + np.logaddexp(0.0, gap)
    if not gradient:
        return ll, np.empty(0)
    w4 = d.weights * expit(gap)  # weight of the "dropped out" branch
    w3 = d.weights - w4
    lw = d.levels.weights
    w4_levels = np.bincount(d.levels.index, w4, len(lx))
    d_ab = digamma(a + b) - digamma(a + b + lx)
    g_r = lw @ (digamma(r + lx) - digamma(r) + np.log(alpha)) - w3 @ log_at - w4 @ log_atx
    g_alpha = lw.sum() * r / alpha - rx @ (w3 / (alpha + d.age) + w4 / (alpha + d.t_x))
    g_a = lw @ d_ab + w4.sum() / a
    g_b = lw @ (d_ab + digamma(b + lx) - digamma(b)) - w4_levels @ (1 / (b + np.maximum(lx, 1) - 1))
    return ll, np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])


def log_likelihood(params: BgNbd, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood under ``params``."""
    log_params = np.log([params.r, params.alpha, params.a, params.b])
    return _evaluate(log_params, _data(x, t_x, age, np.ones(len(x))), gradient=False)[0]


def fit(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray, weights: np.ndarray | None = None
) -> BgNbd:
    """Maximum likelihood BG/NBD parameters for the customers summarised by the three arrays
    (``weights``: customers per row, when the caller already collapsed equal rows)."""
    check_summary(np.asarray(x), np.asarray(t_x), np.asarray(age))
    rows = unique_rows(x, t_x, age, weights=weights)
    data = _data(*rows.columns, rows.weights)
    total = rows.weights.sum()

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _evaluate(log_params, data, gradient=True)
        return -float(data.weights @ ll) / total, -grad / total

    scale = max(float(np.average(data.age, weights=data.weights)), 1e-9)
    start = np.log([1.0, scale, 1.0, 1.0])
    best, mean_ll = maximise(negative, start, jac=True)
    r, alpha, a, b = np.exp(best)
    return BgNbd(float(r), float(alpha), float(a), float(b), float(mean_ll * total), int(total))


def p_alive(params: BgNbd, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """P(still alive at ``age``) given the customer's summary; 1 without repeat purchases."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=np.float64)
    log_odds = (
        np.log(a)
        - np.log(b + np.maximum(x, 1) - 1)
        + (r + x) * (np.log(alpha + age) - np.log(alpha + np.asarray(t_x)))
    )
    return np.where(x > 0, expit(-log_odds), 1.0)


def expected_purchases(params: BgNbd, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: repeat purchases in (0, t] of a customer whose first purchase was at 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def expected_if_alive(params: BgNbd, t: float, x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """E[Y(t) | x, T, alive at T]: purchases in the next ``t`` time units of a customer still
    alive (the conditional expectation without the P(alive) factor; t_x does not enter).

    The paper's ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) multiplies a vanishing
    power by a 2F1 that overflows for frequent customers over long horizons; Euler's
    transformation gives the same product as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), with
    no large powers on either side."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=np.float64)
    age = np.asarray(age, dtype=np.float64)
    z = t / (alpha + age + t)
    with np.errstate(invalid="ignore", over="ignore"):
        tail = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        unstable = ~np.isfinite(tail)
        if unstable.any():  # where Euler's form is 0 x inf (a < 1, z near 1): the paper's own
            paper = ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(
                r + x, b + x, a + b + x - 1, z
            )
            tail = np.where(unstable, paper, tail)
    return (a + b + x - 1) / (a - 1) * (1 - tail)


def conditional_expected_purchases(
    params: BgNbd, t: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: purchases in the next ``t`` time units after ``age``."""
    return expected_if_alive(params, t, x, age) * p_alive(params, x, t_x, age)


def simulate(
    params: BgNbd, age: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``(x, t_x)`` for customers of the given ages from the model itself, to check a fit
    and to benchmark at any scale. Purchases while alive arrive as a Poisson process: of the N that
    would fall in (0, T], the customer makes min(N, J), J ~ Geometric(p) being the purchase after
    which they drop out; the x-th of N uniform arrival times is T * Beta(x, N - x + 1)."""
    age = np.asarray(age, dtype=np.float64)
    rate = rng.gamma(params.r, 1.0 / params.alpha, len(age))
    drop = rng.beta(params.a, params.b, len(age))
    would = rng.poisson(rate * age)
    x = np.minimum(would, rng.geometric(drop))
    t_x = np.zeros_like(age)
    bought = x > 0
    t_x[bought] = age[bought] * rng.beta(x[bought], would[bought] - x[bought] + 1)
    return x, t_x
