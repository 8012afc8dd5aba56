"""The retention action: the cheapest that fits the customer, as data a campaign can use."""

import math

import pytest

from omnicrm.predict.retention import recommend

NAN = math.nan
PLAIN = {"points_expiring_30": 0.0, "points_expire_in_days": NAN, "avg_order_minor": 150_000.0}


def test_low_risk_gets_no_action() -> None:
    assert recommend(0.3, PLAIN, "Обувь", "Игрушки") == {
        "kind": "none",
        "risk_band": "low",
        "valid_days": 0,
    }


def test_expiring_points_first() -> None:
    values = {**PLAIN, "points_expiring_30": 340.0, "points_expire_in_days": 9.5}
    assert recommend(0.85, values, "Обувь", "Игрушки") == {
        "kind": "points_reminder",
        "risk_band": "high",
        "points": 340,
        "expires_in_days": 10,
        "valid_days": 10,
    }


def test_discount_in_the_lapsed_category_deeper_at_high_risk() -> None:
    medium = recommend(0.65, PLAIN, "Обувь", "Игрушки")
    assert medium == {
        "kind": "category_discount",
        "risk_band": "medium",
        "category": "Игрушки",
        "discount_pct": 10,
        "valid_days": 14,
    }
    assert recommend(0.9, PLAIN, "Обувь", "Игрушки")["discount_pct"] == 15


def test_bonus_points_for_a_valuable_customer_else_a_win_back_offer() -> None:
    valuable = {**PLAIN, "avg_order_minor": 2_500_000.0}
    assert recommend(0.6, valuable, "Обувь", None) == {
        "kind": "bonus_points",
        "risk_band": "medium",
        "points": 2_000,  # 10% of 25,000 RUB, capped
        "valid_days": 28,
    }
    offer = recommend(0.6, PLAIN, "Обувь", None)
    assert (offer["kind"], offer["category"]) == ("offer", "Обувь")


def test_a_risk_that_is_no_probability_is_refused() -> None:
    with pytest.raises(ValueError, match="risk must be a probability"):
        recommend(1.5, PLAIN, None, None)
