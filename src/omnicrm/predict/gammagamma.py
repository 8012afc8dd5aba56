"""Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): a
customer's transaction values are Gamma(p, nu) around their own mean, nu ~ Gamma(q, gamma) across
customers, independent of how often they buy. Fitted on repeat customers' mean repeat spend;
predicts each customer's expected average transaction value, pulled towards the population mean
the fewer transactions they have."""

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from omnicrm.predict.mle import maximise


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


def _terms(log_params: np.ndarray, x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-density of the mean ``m`` of ``x`` transactions, and its gradient with
    respect to the log-parameters."""
    p, q, gamma = np.exp(log_params)
    px = p * x
    log_gmx = np.log(gamma + m * x)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_gmx
    )
    psi = digamma(px + q)
    d_p = x * (psi - digamma(px) + np.log(m) + np.log(x) - log_gmx)
    d_q = psi - digamma(q) + np.log(gamma) - log_gmx
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return ll, np.stack([d_p * p, d_q * q, d_gamma * gamma])


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

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _terms(log_params, x, m)
        return -float(ll.mean()), -grad.mean(axis=1)

    best, mean_ll = maximise(negative, np.log([1.0, 2.0, float(m.mean())]), jac=True)
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
