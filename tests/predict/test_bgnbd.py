"""BG/NBD against the published CDNOW estimates, the lifetimes reference implementation and a
population simulated from known parameters."""

import numpy as np
import pandas as pd
import pytest
from clv_data import assert_predictions_match, cdnow_weeks
from lifetimes import BetaGeoFitter
from scipy.special import hyp2f1

from omnicrm.predict import bgnbd


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, ...]:
    return cdnow_weeks(tmp_path_factory.mktemp("cdnow"))


def test_cdnow_reproduces_fader_hardie_lee_2005(cdnow: tuple[np.ndarray, ...]) -> None:
    fitted = bgnbd.fit(*cdnow)
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert getattr(fitted, name) == pytest.approx(value, rel=0.005), name
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert fitted.customers == 2357
    assert bgnbd.log_likelihood(fitted, *cdnow).sum() == pytest.approx(fitted.log_likelihood)


def test_predictions_match_lifetimes(cdnow: tuple[np.ndarray, ...]) -> None:
    fitted = bgnbd.fit(*cdnow)
    reference = BetaGeoFitter()
    reference.params_ = pd.Series(
        {"r": fitted.r, "alpha": fitted.alpha, "a": fitted.a, "b": fitted.b}
    )
    assert_predictions_match(bgnbd, fitted, reference, cdnow, rtol=1e-9)


def test_a_simulated_population_gives_back_its_parameters() -> None:
    """200,000 customers of ages 10-80 weeks: every parameter within 5% (its standard error at
    this size is about 1-2%)."""
    true = bgnbd.BgNbd(r=0.5, alpha=8.0, a=0.6, b=2.5, log_likelihood=0.0, customers=0)
    rng = np.random.default_rng(13)
    age = rng.uniform(10, 80, 200_000)
    x, t_x = bgnbd.simulate(true, age, rng)
    fitted = bgnbd.fit(x, t_x, age)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(true, name), rel=0.05), name
    # and the model's own expectation matches the simulated purchase counts
    assert bgnbd.expected_purchases(true, age).sum() == pytest.approx(x.sum(), rel=0.02)


def test_weighted_unique_rows_fit_like_the_customers_they_stand_for(
    cdnow: tuple[np.ndarray, ...],
) -> None:
    rows, counts = np.unique(np.column_stack(cdnow), axis=0, return_counts=True)
    weighted = bgnbd.fit(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
    assert weighted == bgnbd.fit(*cdnow)


def test_long_horizons_for_frequent_customers_stay_finite() -> None:
    """x = 1,000 over three years, forecast ten years ahead: the paper's 2F1 is out of float
    range; the transformed form is finite, below the no-dropout bound (r + x) / (alpha + T) * t,
    and grows with the horizon."""
    params = bgnbd.BgNbd(0.243, 4.414, 0.793, 2.426, 0.0, 0)
    x, age = np.array([1000.0]), np.array([156.0])
    z = 520.0 / (params.alpha + age + 520.0)
    assert not np.isfinite(hyp2f1(params.r + x, params.b + x, params.a + params.b + x - 1, z))
    ten_years = bgnbd.expected_if_alive(params, 520.0, x, age)[0]
    assert 0 < bgnbd.expected_if_alive(params, 52.0, x, age)[0] < ten_years
    assert ten_years < (params.r + x[0]) / (params.alpha + age[0]) * 520.0


def test_p_alive_is_one_without_repeats_and_falls_with_silence() -> None:
    params = bgnbd.BgNbd(0.243, 4.414, 0.793, 2.426, 0.0, 0)
    alive = bgnbd.p_alive(params, np.array([0, 3, 3]), np.array([0.0, 30.0, 5.0]), 39.0)
    assert alive[0] == 1.0
    assert 0 < alive[2] < alive[1] < 1


@pytest.mark.parametrize(
    ("x", "t_x", "age", "message"),
    [
        ([-1], [0.0], [5.0], "frequency"),
        ([1.5], [1.0], [5.0], "frequency"),
        ([2], [6.0], [5.0], "recency"),
        ([0], [1.0], [5.0], "recency must be 0"),
        ([1, 2], [1.0], [5.0], "same length"),
        ([], [], [], "no customers"),
    ],
)
def test_an_impossible_summary_is_refused_by_name(
    x: list, t_x: list, age: list, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bgnbd.fit(np.array(x), np.array(t_x), np.array(age))


def test_forecasts_stay_finite_when_the_fit_says_nobody_drops_out() -> None:
    """A fit on a small early window (a 300-customer chain 120 days before its end) gave
    a = 1085, b = 16979: Euler's form is then 0 x inf, while the paper's own form is finite;
    the forecast takes the finite one."""
    params = bgnbd.BgNbd(
        0.704614657707983, 9.243177385316235, 1085.350967336543, 16979.1579572665, 0.0, 0
    )
    x = np.arange(0, 40, dtype=np.float64)
    age = np.zeros_like(x)  # first purchase on the last day
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    for t in (57.0,):
        z = t / (alpha + age + t)
        with np.errstate(all="ignore"):
            euler = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        paper = ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        got = bgnbd.expected_if_alive(params, t, x, age)
        assert not np.isfinite(euler).all()  # the case this guards against
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, (a + b + x - 1) / (a - 1) * (1 - paper), rtol=1e-6)
