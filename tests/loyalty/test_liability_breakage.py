"""The breakage estimate (``liability``, pure) recovers a known redemption rate from simulated
lots: each monthly cohort's lots are redeemed whole with probability P at an age drawn from a
fixed profile, or expire at 12 months; the report, as of a month when the older cohorts have
matured, must find breakage 1 - P and the young cohorts' true future redemption."""

import random

import pytest

from omnicrm.loyalty import liability
from omnicrm.loyalty.liability import Flow

LIFETIME = 12
AS_OF = 30  # months after the first cohort
POINTS = 100


def _month(n: int) -> str:
    return f"{2023 + n // 12:04d}-{n % 12 + 1:02d}"


def simulate(rate: float, lots: int, seed: int) -> tuple[list[Flow], int]:
    """Flows of the ledger as of month ``AS_OF`` and the points the live lots will truly redeem
    after it (the simulation knows the future)."""
    rng = random.Random(seed)
    flows, future = [], 0
    for cohort in range(AS_OF + 1):
        for _ in range(lots):
            redeem_at = cohort + rng.choice([0, 1, 1, 2, 3, 5, 8]) if rng.random() < rate else None
            expiry = cohort + LIFETIME
            state = "lapsed" if expiry <= AS_OF else "active"
            add = [(cohort, "earn", POINTS)]
            if redeem_at is not None and redeem_at <= AS_OF:
                add.append((redeem_at, "spend", -POINTS))
            elif redeem_at is not None:
                future += POINTS
            elif expiry <= AS_OF:
                add.append((expiry, "expire", -POINTS))
            flows += [
                Flow(_month(m), _month(cohort), _month(expiry), state, kind, points)
                for m, kind, points in add
            ]
    return flows, future


@pytest.mark.parametrize(("rate", "seed"), [(0.7, 1), (0.35, 2), (0.9, 3)])
def test_breakage_is_recovered_from_simulated_lots(rate: float, seed: int) -> None:
    flows, future = simulate(rate, lots=2000, seed=seed)
    report = liability.summarise(flows, _month(AS_OF), point_value_minor=100)
    matured = [c for c in report["cohorts"] if c["matured"]]
    assert len(matured) >= AS_OF - LIFETIME  # every cohort past its expiry
    ultimate = report["curve"]["ultimate_redemption_bp"]
    assert abs(ultimate - rate * 10_000) < 150, ultimate
    expected = sum(c["expected_redemption"] for c in report["cohorts"])
    assert abs(expected - future) < 0.05 * future, (expected, future)
    totals = report["totals"]
    assert totals["deferred_revenue_minor"] == sum(
        c["deferred_revenue_minor"] for c in report["cohorts"]
    )
    assert totals["outstanding_value_minor"] == totals["live_points"] * 100
    assert totals["breakage_value_minor"] == (
        totals["outstanding_value_minor"] - totals["deferred_revenue_minor"]
    )


def test_the_same_curve_in_every_cohort_is_recovered_exactly() -> None:
    """Every cohort of 10 lots: 7 redeemed at ages 0, 1, 1, 2, 2, 3, 4; 3 expire. Cohorts of
    age >= 12 have matured; a cohort of age a must expect exactly the lots redeemed after a."""
    ages = [0, 1, 1, 2, 2, 3, 4]
    flows = []
    for cohort in range(20):
        expiry = cohort + LIFETIME
        state = "lapsed" if expiry <= 19 else "active"
        for n in range(10):
            add = [(cohort, "earn", POINTS)]
            if n < len(ages) and cohort + ages[n] <= 19:
                add.append((cohort + ages[n], "spend", -POINTS))
            elif n >= len(ages) and expiry <= 19:
                add.append((expiry, "expire", -POINTS))
            flows += [
                Flow(_month(m), _month(cohort), _month(expiry), state, kind, points)
                for m, kind, points in add
            ]
    report = liability.summarise(flows, _month(19), point_value_minor=100)
    assert report["curve"]["ultimate_redemption_bp"] == 7000
    owed = 0
    for row in report["cohorts"]:
        after = sum(1 for a in ages if a > row["age_months"]) * POINTS
        assert row["expected_redemption"] == after, row
        owed += after
        if not row["matured"]:
            assert row["breakage_bp"] == 3000
    assert report["totals"]["deferred_revenue_minor"] == owed * 100


def test_without_a_matured_cohort_nothing_is_assumed_to_break() -> None:
    flows = [Flow("2025-01", "2025-01", "2026-01", "active", "earn", 500)]
    report = liability.summarise(flows, "2025-03", point_value_minor=100)
    assert report["curve"]["matured_cohorts"] == 0
    assert report["totals"]["expected_breakage_bp"] == 0
    assert report["totals"]["deferred_revenue_minor"] == 50_000


def test_an_unknown_entry_kind_is_refused_rather_than_left_out_of_the_roll() -> None:
    with pytest.raises(ValueError, match="gift"):
        liability.roll_forward([Flow("2025-01", None, None, "debt", "gift", 1)], "2025-01")
