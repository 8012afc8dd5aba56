"""Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): a
customer's transaction values are Gamma(p, nu) around their own mean, nu ~ Gamma(q, gamma) across
customers, independent of how often they buy. Fitted on repeat customers' mean repeat spend;
predicts each customer's expected average transaction value, pulled towards the population mean
the fewer transactions they have."""

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from omnicrm.predict.mle import Levels, levels, maximise


@dataclass(frozen=True, slots=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters (gamma in the spend's unit) and their log-likelihood."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    @property
    def population_mean(self) -> float:
        """E[spend per transaction] of a customer with no history (needs q > 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")


@dataclass(frozen=True, slots=True)
class _Data:
    """Repeaters' data reduced to what the likelihood needs: per customer only ``m x`` enters
    a log with the parameters; every other data term is a sum fixed before the search."""

    x: np.ndarray
    mx: np.ndarray
    levels: Levels
    sum_x_log_mx: float  # sum of x (log m + log x)
    sum_log_m: float


def _data(x: np.ndarray, m: np.ndarray) -> _Data:
    mx = m * x
    return _Data(x, mx, levels(x, np.ones(len(x))), float(x @ np.log(mx)), float(np.log(m).sum()))


def _negative(log_params: np.ndarray, d: _Data) -> tuple[float, np.ndarray]:
    """Mean negative log-density of the customers' mean spend (the mean of ``x`` transactions
    ~ Gamma(p x, nu x)) and its gradient with respect to the log-parameters."""
    p, q, gamma = np.exp(log_params)
    lx, lw = d.levels.values, d.levels.weights
    n = len(d.x)
    log_gmx = np.log(gamma + d.mx)
    plx = p * lx
    ll = (
        lw @ (gammaln(plx + q) - gammaln(plx))
        - n * (gammaln(q) - q * np.log(gamma))
        + p * d.sum_x_log_mx
        - d.sum_log_m
        - p * (d.x @ log_gmx)
        - q * log_gmx.sum()
    )
    psi = digamma(plx + q)
    g_p = (lw * lx) @ (psi - digamma(plx)) + d.sum_x_log_mx - d.x @ log_gmx
    g_q = lw @ psi - n * (digamma(q) - np.log(gamma)) - log_gmx.sum()
    g_gamma = n * q / gamma - ((p * d.x + q) / (gamma + d.mx)).sum()
    return -float(ll) / n, -np.array([g_p * p, g_q * q, g_gamma * gamma]) / n


def fit(x: np.ndarray, mean_spend: np.ndarray) -> GammaGamma:
    """Maximum likelihood parameters from repeat customers: ``x`` > 0 transactions each, with
    mean value ``mean_spend`` > 0."""
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(mean_spend, dtype=np.float64)
    if len(x) != len(m):
        raise ValueError("frequency and mean spend must have the same length")
    if len(x) == 0:
        raise ValueError("no repeat customers to fit the spend model on")
    if (x <= 0).any() or (m <= 0).any() or not np.isfinite(m).all():
        raise ValueError("the spend model needs frequency > 0 and a positive mean spend")
    data = _data(x, m)
    best, mean_ll = maximise(
        lambda log_params: _negative(log_params, data), np.log([1.0, 2.0, m.mean()]), jac=True
    )
    p, q, gamma = np.exp(best)
    return GammaGamma(float(p), float(q), float(gamma), float(mean_ll * len(x)), len(x))


def expected_spend(params: GammaGamma, x: np.ndarray, mean_spend: np.ndarray) -> np.ndarray:
    """E[average transaction value | x, mean]: the population mean for ``x`` = 0."""
    x = np.asarray(x, dtype=np.float64)
    m = np.where(x > 0, np.asarray(mean_spend, dtype=np.float64), 0.0)
    px = params.p * x
    return params.p * (params.gamma + m * x) / (px + params.q - 1)


def simulate(params: GammaGamma, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw each customer's mean spend over ``x`` > 0 transactions from the model: their own
    scale nu ~ Gamma(q, gamma), the sum of x values ~ Gamma(p x, nu)."""
    x = np.asarray(x, dtype=np.float64)
    nu = rng.gamma(params.q, 1.0 / params.gamma, len(x))
    return rng.gamma(params.p * x, 1.0 / nu) / x
