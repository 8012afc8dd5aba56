"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
customer buys at a Poisson rate lambda ~ Gamma(r, alpha) and after each repeat purchase drops out
with probability p ~ Beta(a, b). A customer is summarised by ``x`` repeat purchases, the time
``t_x`` of the last one and their age ``T`` (both measured from the first purchase).

The log-likelihood and its gradient are vectorised over the unique summary rows (no per-customer
loop); the parameters are fitted on their logarithms."""

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from omnicrm.predict.mle import check_summary, maximise, unique_rows


@dataclass(frozen=True, slots=True)
class BgNbd:
    """Fitted BG/NBD parameters and the log-likelihood they reach on the fitting data."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int


def _terms(
    log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    repeat = x > 0
    log_at, log_atx = np.log(alpha + age), np.log(alpha + t_x)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * log_at
    a4 = np.where(repeat, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * log_atx, -np.inf)
    tail = np.logaddexp(a3, a4)
    w4 = np.exp(a4 - tail)  # share of the "dropped out after t_x" branch
    w3 = 1.0 - w4
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_at - w4 * log_atx
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + age) + w4 / (alpha + t_x))
    d_ab = digamma(a + b) - digamma(a + b + x)
    d_a = d_ab + w4 / a
    d_b = d_ab + digamma(b + x) - digamma(b) - w4 / (b + np.maximum(x, 1) - 1) * repeat
    grad = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return a1 + a2 + tail, grad


def log_likelihood(params: BgNbd, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood under ``params``."""
    log_params = np.log([params.r, params.alpha, params.a, params.b])
    return _terms(log_params, *(np.asarray(v, dtype=np.float64) for v in (x, t_x, age)))[0]


def fit(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray, weights: np.ndarray | None = None
) -> BgNbd:
    """Maximum likelihood BG/NBD parameters for the customers summarised by the three arrays
    (``weights``: customers per row, when the caller already collapsed equal rows)."""
    check_summary(np.asarray(x), np.asarray(t_x), np.asarray(age))
    rows = unique_rows(x, t_x, age, weights=weights)
    ux, utx, uage = rows.columns
    total = rows.weights.sum()

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _terms(log_params, ux, utx, uage)
        return -float(rows.weights @ ll) / total, -(grad @ rows.weights) / total

    scale = max(float(np.average(uage, weights=rows.weights)), 1e-9)
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
    return np.where(x > 0, 1.0 / (1.0 + np.exp(log_odds)), 1.0)


def expected_purchases(params: BgNbd, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: repeat purchases in (0, t] of a customer whose first purchase was at 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def conditional_expected_purchases(
    params: BgNbd, t: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: purchases in the next ``t`` time units after ``age``."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=np.float64)
    age = np.asarray(age, dtype=np.float64)
    z = t / (alpha + age + t)
    shrink = np.exp((r + x) * (np.log(alpha + age) - np.log(alpha + age + t)))
    bracket = 1 - shrink * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(params, x, t_x, age)


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
