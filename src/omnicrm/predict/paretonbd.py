"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987; the likelihood as in Fader & Hardie's 2005
note): purchases at a Poisson rate lambda ~ Gamma(r, alpha) over an exponential lifetime with rate
mu ~ Gamma(s, beta). Same summary ``(x, t_x, T)`` as BG/NBD.

The likelihood's second term holds a Gauss hypergeometric function whose plain form overflows for
frequent customers ((1 - z)^(1 - r - x) when beta > alpha). Euler's transformation turns it into
2F1(1, b'; c; z) (1 - z)^(c - a - b), whose 2F1 factor is bounded; it is kept in logs, and the
difference of its two evaluations (at t_x and at T) is taken with log1p, so nothing overflows or
cancels catastrophically."""

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, hyp2f1

from omnicrm.predict.mle import Pairs, check_summary, maximise, pairs, unique_rows


@dataclass(frozen=True, slots=True)
class ParetoNbd:
    """Fitted Pareto/NBD parameters and the log-likelihood they reach on the fitting data."""

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float
    customers: int


def _log_tail(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """log of (r+s+x)/s times the integral of the "died at tau" density from ``t`` to infinity,
    i.e. log[2F1(r+s+x, b; r+s+x+1; z) / (max(alpha, beta) + t)^(r+s+x)], Euler-transformed."""
    rsx = r + s + x
    high, low = max(alpha, beta), min(alpha, beta)
    second = s + 1 if alpha >= beta else r + x  # 2F1's second argument before the transformation
    z = (high - low) / (high + t)
    # 2F1(c-1, second; c; z) = (1-z)^(1-second) 2F1(1, c-second; c; z) with c = rsx + 1
    log_f = np.log(hyp2f1(1.0, rsx + 1 - second, rsx + 1, z)) + (1 - second) * np.log1p(-z)
    return log_f - rsx * np.log(high + t)


@dataclass(frozen=True, slots=True)
class _Data:
    """Summary rows, and their distinct (x, t_x) and (x, T) pairs: each hypergeometric term
    depends on one pair only, and there are far fewer pairs than rows."""

    x: np.ndarray
    t_x: np.ndarray
    age: np.ndarray
    at_tx: Pairs
    at_age: Pairs


def _data(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> _Data:
    x, t_x, age = (np.asarray(v, dtype=np.float64) for v in (x, t_x, age))
    return _Data(x, t_x, age, pairs(x, t_x), pairs(x, age))


def _log_terms(log_params: np.ndarray, d: _Data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row log-likelihood, and the logs of its "alive at T" and "died in (t_x, T]" parts."""
    r, alpha, s, beta = np.exp(log_params)
    x = d.x
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + d.age) - s * np.log(beta + d.age)
    at_tx = _log_tail(r, alpha, s, beta, d.at_tx.x, d.at_tx.t)[d.at_tx.index]
    at_age = _log_tail(r, alpha, s, beta, d.at_age.x, d.at_age.t)[d.at_age.index]
    with np.errstate(divide="ignore"):  # t_x == T: nobody can have died in between
        died = at_tx + np.log1p(-np.exp(np.minimum(at_age - at_tx, 0.0)))
    died = died + np.log(s) - np.log(r + s + x)
    return head + np.logaddexp(alive, died), alive, died


def fit(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray, weights: np.ndarray | None = None
) -> ParetoNbd:
    """Maximum likelihood Pareto/NBD parameters (numerical gradient: the hypergeometric term has
    no cheap derivative in its parameters)."""
    check_summary(np.asarray(x), np.asarray(t_x), np.asarray(age))
    rows = unique_rows(x, t_x, age, weights=weights)
    data = _data(*rows.columns)
    total = rows.weights.sum()

    def negative(log_params: np.ndarray) -> float:
        ll = _log_terms(log_params, data)[0]
        value = -float(rows.weights @ ll) / total
        return value if np.isfinite(value) else 1e300

    scale = max(float(np.average(data.age, weights=rows.weights)), 1e-9)
    start = np.log([1.0, scale, 1.0, scale])
    best, mean_ll = maximise(negative, start, jac=False)
    r, alpha, s, beta = np.exp(best)
    return ParetoNbd(
        float(r), float(alpha), float(s), float(beta), float(mean_ll * total), int(total)
    )


def p_alive(params: ParetoNbd, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """P(still alive at ``age``) given the customer's summary."""
    log_params = np.log([params.r, params.alpha, params.s, params.beta])
    _, alive, died = _log_terms(log_params, _data(x, t_x, age))
    return np.exp(alive - np.logaddexp(alive, died))


def _horizon_factor(s: float, rate: np.ndarray | float, t: np.ndarray | float) -> np.ndarray:
    """[1 - (rate/(rate+t))^(s-1)] / (s-1), with its limit log((rate+t)/rate) at s = 1."""
    log_ratio = np.log1p(np.asarray(t, dtype=np.float64) / rate)
    if abs(s - 1) < 1e-9:
        return log_ratio
    return -np.expm1(-(s - 1) * log_ratio) / (s - 1)


def expected_purchases(params: ParetoNbd, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: repeat purchases in (0, t] of a customer whose first purchase was at 0."""
    return params.r * params.beta / params.alpha * _horizon_factor(params.s, params.beta, t)


def expected_if_alive(params: ParetoNbd, t: float, x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """E[Y(t) | x, T, alive at T] (the conditional expectation without the P(alive) factor)."""
    x = np.asarray(x, dtype=np.float64)
    age = np.asarray(age, dtype=np.float64)
    rate = params.beta + age
    return (params.r + x) * rate / (params.alpha + age) * _horizon_factor(params.s, rate, t)


def conditional_expected_purchases(
    params: ParetoNbd, t: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: purchases in the next ``t`` time units after ``age``."""
    return expected_if_alive(params, t, x, age) * p_alive(params, x, t_x, age)
