"""Gamma-Gamma against Fader & Hardie (2013) on CDNOW's repeaters, the lifetimes reference and a
population simulated from known parameters."""

import numpy as np
import pandas as pd
import pytest
from clv_data import CDNOW_CALIBRATION_END, cdnow_snapshot
from lifetimes import GammaGammaFitter

from omnicrm.predict import gammagamma
from omnicrm.predict.clv import customer_summary, mean_repeat_spend


@pytest.fixture(scope="module")
def repeaters(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchase days and mean repeat spend (cents) of the CDNOW repeaters."""
    snapshot = cdnow_snapshot(tmp_path_factory.mktemp("cdnow"))
    summary = customer_summary(snapshot, CDNOW_CALIBRATION_END)
    x = summary["frequency"].to_numpy().astype(float)
    mean = mean_repeat_spend(summary)
    return x[x > 0], mean[x > 0]


def test_cdnow_reproduces_fader_hardie_2013(repeaters: tuple[np.ndarray, np.ndarray]) -> None:
    x, cents = repeaters
    assert len(x) == 946
    fitted = gammagamma.fit(x, cents / 100)
    published = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    for name, value in published.items():
        assert getattr(fitted, name) == pytest.approx(value, rel=0.005), name
    # spend in minor units scales gamma only
    in_cents = gammagamma.fit(x, cents)
    assert in_cents.gamma == pytest.approx(100 * fitted.gamma, rel=1e-6)
    assert in_cents.p == pytest.approx(fitted.p, rel=1e-6)


def test_expected_spend_matches_lifetimes(repeaters: tuple[np.ndarray, np.ndarray]) -> None:
    x, cents = repeaters
    fitted = gammagamma.fit(x, cents / 100)
    reference = GammaGammaFitter()
    reference.params_ = pd.Series({"p": fitted.p, "q": fitted.q, "v": fitted.gamma})
    np.testing.assert_allclose(
        gammagamma.expected_spend(fitted, x, cents / 100),
        reference.conditional_expected_average_profit(pd.Series(x), pd.Series(cents / 100)),
        rtol=1e-9,
    )
    # no repeats: the population mean
    assert gammagamma.expected_spend(fitted, np.array([0.0]), np.array([0.0]))[0] == (
        pytest.approx(fitted.population_mean)
    )


def test_a_simulated_population_gives_back_its_parameters() -> None:
    """100,000 repeaters with 1-10 repeat purchases: p, q, gamma within 5%."""
    true = gammagamma.GammaGamma(p=6.0, q=4.0, gamma=15.0, log_likelihood=0.0, customers=0)
    rng = np.random.default_rng(2013)
    x = rng.integers(1, 11, 100_000).astype(float)
    fitted = gammagamma.fit(x, gammagamma.simulate(true, x, rng))
    for name in ("p", "q", "gamma"):
        assert getattr(fitted, name) == pytest.approx(getattr(true, name), rel=0.05), name


@pytest.mark.parametrize(
    ("x", "mean", "message"),
    [
        ([0.0], [10.0], "frequency > 0"),
        ([2.0], [-1.0], "positive mean"),
        ([1.0, 2.0], [3.0], "same length"),
        ([], [], "no repeat customers"),
    ],
)
def test_bad_spend_data_is_refused_by_name(x: list, mean: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gammagamma.fit(np.array(x), np.array(mean))
