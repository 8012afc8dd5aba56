"""Measurement: intervals against known values, a simulated randomised campaign with a known
true uplift recovered inside its interval (through the snapshot reader), coverage of the
conversion interval over many replications, and the minimum-sample refusal."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns.measure import Outcomes, measure, newcombe, read_outcomes, welch, wilson

START = datetime(2025, 9, 1, tzinfo=UTC)


def test_wilson_and_newcombe_match_published_values() -> None:
    from scipy import stats

    want = stats.binomtest(56, 70).proportion_ci(method="wilson")
    assert wilson(56, 70) == (pytest.approx(want.low), pytest.approx(want.high))
    # Newcombe (1998), example (a): 56/70 vs 48/80 -> 0.2 (0.0524, 0.3339)
    d = newcombe(56, 70, 48, 80)
    assert (round(d.low, 4), round(d.high, 4)) == (0.0524, 0.3339)


def test_welch_matches_scipy_t_test_bounds() -> None:
    from scipy import stats

    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 3, 200), rng.normal(9, 6, 50)
    got = welch(a, b)
    want = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (got.low, got.high) == (pytest.approx(want.low), pytest.approx(want.high))


def _simulate(rng: np.random.Generator, n: int, p: float, spend: int) -> Outcomes:
    bought = rng.random(n) < p
    revenue = np.where(bought, rng.integers(spend // 2, spend * 3 // 2, n), 0)
    return Outcomes(bought.astype(np.int64), revenue.astype(np.int64), np.zeros(n, np.int64))


def test_conversion_interval_covers_the_true_uplift_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(400):
        t, c = _simulate(rng, 2000, 0.11, 1000), _simulate(rng, 500, 0.08, 1000)
        d = newcombe(int(t.orders.sum()), t.n, int(c.orders.sum()), c.n)
        hits += d.low <= 0.03 <= d.high
    assert 0.92 <= hits / 400 <= 0.98


def test_too_small_a_sample_is_never_called_significant() -> None:
    t = Outcomes(np.ones(50, np.int64), np.full(50, 1000), np.zeros(50, np.int64))
    c = Outcomes(np.zeros(50, np.int64), np.zeros(50, np.int64), np.zeros(50, np.int64))
    result = measure(t, c, message_cost_minor=1, margin_bp=5000, min_sample=100)
    assert result.conversion_uplift is not None
    assert result.conversion_uplift.excludes_zero
    assert not result.significant
    assert result.verdict == (
        "not significant: 50 customers in the smaller group, below the minimum sample of 100"
    )


def test_a_randomised_campaign_recovers_its_known_uplift_from_the_snapshot(tmp_path: Path) -> None:
    """20,000 treated convert at 12 %, 5,000 controls at 8 % (true uplift 4 points), each buyer
    spending 1,000-2,999; orders outside the window or cancelled must not count."""
    rng = np.random.default_rng(42)
    treated, control = np.arange(1, 20_001), np.arange(20_001, 25_001)
    buys = np.concatenate([rng.random(20_000) < 0.12, rng.random(5_000) < 0.08])
    buyers = np.concatenate([treated, control])[buys]
    amounts = rng.integers(1000, 3000, len(buyers))
    snap = Snapshot(tmp_path / "a.duckdb")
    db = snap.cursor()
    # noise by two control customers: a purchase after the window and a cancelled one
    ids = np.concatenate([np.arange(1, len(buyers) + 1), [10**6, 10**6 + 1]])
    customers = np.concatenate([buyers, [20_001, 20_002]])
    days = np.concatenate([np.full(len(buyers), 3), [20, 2]])
    orders = pa.table(
        {
            "id": ids,
            "customer_id": customers,
            "placed_at": [START + timedelta(days=int(d)) for d in days],
            "total_minor": np.concatenate([amounts, [9999, 9999]]),
            "discount_minor": np.concatenate([np.full(len(buyers), 100), [0, 0]]),
            "cancelled": np.concatenate([np.zeros(len(buyers) + 1, bool), [True]]),
        }
    )
    db.register("new_orders", orders)
    db.execute(
        """INSERT INTO orders (id, customer_id, placed_at, total_minor, discount_minor,
                               points_minor, cancelled)
           SELECT id, customer_id, placed_at, total_minor, discount_minor, 0, cancelled
           FROM new_orders"""
    )
    db.execute("INSERT INTO customers (id, resolved_id) SELECT i, i FROM range(1, 25001) t(i)")
    t, c = read_outcomes(db, treated, control, START, START + timedelta(days=14))
    assert (t.n, c.n) == (20_000, 5_000)
    assert int(c.orders.sum()) == int(buys[20_000:].sum())
    result = measure(t, c, message_cost_minor=50, margin_bp=3000, min_sample=1000)
    up = result.conversion_uplift
    assert up is not None
    assert up.low <= 0.04 <= up.high
    assert up.excludes_zero
    assert result.significant
    assert result.verdict.startswith("significant")
    rev = result.revenue_uplift
    assert rev is not None
    assert rev.low <= 0.04 * 2000 <= rev.high  # E[spend] = 1,999.5
    assert result.cost_minor == 100 * int((t.orders > 0).sum()) + 50 * 20_000
    expected_romi = (result.incremental_revenue_minor * 0.3 - result.cost_minor) / result.cost_minor
    assert result.romi == pytest.approx(expected_romi)
    db.close()
    snap.close()
