"""Pareto/NBD against the published CDNOW estimates and the lifetimes reference, and its
numerical stability for frequent customers where the plain hypergeometric form overflows."""

import numpy as np
import pandas as pd
import pytest
from clv_data import assert_predictions_match, cdnow_weeks
from lifetimes import ParetoNBDFitter
from scipy.integrate import quad
from scipy.special import hyp2f1

from omnicrm.predict import paretonbd


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, ...]:
    return cdnow_weeks(tmp_path_factory.mktemp("cdnow"))


@pytest.fixture(scope="module")
def fitted(cdnow: tuple[np.ndarray, ...]) -> paretonbd.ParetoNbd:
    return paretonbd.fit(*cdnow)


def test_cdnow_reproduces_the_published_estimates(fitted: paretonbd.ParetoNbd) -> None:
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in published.items():
        assert getattr(fitted, name) == pytest.approx(value, rel=0.005), name
    assert fitted.log_likelihood == pytest.approx(-9595.0, abs=0.1)  # Fader, Hardie & Lee 2005


def test_predictions_match_lifetimes(
    cdnow: tuple[np.ndarray, ...], fitted: paretonbd.ParetoNbd
) -> None:
    reference = ParetoNBDFitter()
    reference.params_ = pd.Series(
        {"r": fitted.r, "alpha": fitted.alpha, "s": fitted.s, "beta": fitted.beta}
    )
    assert_predictions_match(paretonbd, fitted, reference, cdnow, rtol=1e-7)


def _p_alive_by_quadrature(r: float, alpha: float, s: float, beta: float, x, t_x, age) -> float:
    """P(alive) from the likelihood's integral form, scaled at t_x so nothing overflows."""

    def scaled(tau: float) -> float:
        return np.exp(
            -(r + x) * np.log((alpha + tau) / (alpha + t_x))
            - (s + 1) * np.log((beta + tau) / (beta + t_x))
        )

    alive = scaled(age) * (beta + age) / (beta + t_x)
    died = s / (beta + t_x) * quad(scaled, t_x, age, epsabs=0, epsrel=1e-12)[0]
    return alive / (alive + died)


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1000.0), (1000.0, 1.0), (5.0, 5.0)])
def test_frequent_customers_stay_finite_where_the_plain_form_overflows(
    alpha: float, beta: float
) -> None:
    r, s, x, t_x, age = 0.5, 0.7, 600.0, 40.0, 52.0
    params = paretonbd.ParetoNbd(r, alpha, s, beta, 0.0, 0)
    if beta > alpha:  # the untransformed hypergeometric factor is out of float range
        z = (beta - alpha) / (beta + t_x)
        assert not np.isfinite(hyp2f1(r + s + x, r + x, r + s + x + 1, z))
    alive = paretonbd.p_alive(params, np.array([x]), np.array([t_x]), np.array([age]))[0]
    assert alive == pytest.approx(_p_alive_by_quadrature(r, alpha, s, beta, x, t_x, age), rel=1e-6)
    expected = paretonbd.conditional_expected_purchases(
        params, 10.0, np.array([x]), np.array([t_x]), np.array([age])
    )
    assert np.isfinite(expected).all()


def test_a_customer_seen_on_their_last_day_is_alive() -> None:
    params = paretonbd.ParetoNbd(0.553, 10.578, 0.606, 11.669, 0.0, 0)
    assert paretonbd.p_alive(params, np.array([4.0]), np.array([30.0]), np.array([30.0]))[0] == 1.0


def test_an_impossible_summary_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="recency must lie between 0 and T"):
        paretonbd.fit(np.array([1.0]), np.array([9.0]), np.array([5.0]))
