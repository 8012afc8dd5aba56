"""The evaluator on in-memory carts: every condition and effect, stacking, limits, allocation
and the explanation of why a promotion did not apply."""

from datetime import UTC, date, datetime

import pytest
from promo_helpers import NOW, cart, ctx, rule, run

from omnicrm.promotions.allocation import largest_remainder
from omnicrm.promotions.cart import Customer

BASKET = cart(
    ("MILK", 2, 20_000, "Food/Dairy", "Farm"),
    ("LEGO", 1, 500_000, "Toys/Lego", "Lego"),
    ("CAR", 3, 90_000, "Toys/Cars", "Hot"),
)


def test_largest_remainder_adds_up_and_never_exceeds_a_weight() -> None:
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(100, [50, 30, 20]) == [50, 30, 20]
    assert sum(largest_remainder(7, [3, 3, 3])) == 7
    assert largest_remainder(0, [5]) == [0]


def test_percent_off_the_receipt_is_allocated_exactly() -> None:
    result = run([rule(effects=[{"type": "percent_off", "percent": "10"}])], BASKET)
    (applied,) = result.applied
    assert applied.discount_minor == 61_000
    assert sum(a.amount_minor for a in applied.lines) == applied.discount_minor
    assert result.line_discounts == {1: 2_000, 2: 50_000, 3: 9_000}


@pytest.mark.parametrize(
    ("select", "discounted"),
    [
        ({"skus": ["MILK"]}, {1}),
        ({"categories": ["Toys"]}, {2, 3}),  # a category's whole subtree
        ({"categories": ["Toys/Cars"]}, {3}),
        ({"brands": ["Lego"]}, {2}),
    ],
)
def test_percent_off_matching_lines(select: dict, discounted: set[int]) -> None:
    effect = {"type": "percent_off", "percent": "50", "target": "lines", "select": select}
    result = run([rule(effects=[effect])], BASKET)
    assert {n for n, d in result.line_discounts.items() if d} == discounted


def test_amount_off_receipt_and_per_unit() -> None:
    result = run([rule(effects=[{"type": "amount_off", "amount_minor": 1001}])], BASKET)
    assert result.discount_minor == 1001
    per_unit = {
        "type": "amount_off",
        "amount_minor": 500,
        "target": "lines",
        "select": {"skus": ["CAR"]},
        "per_unit": True,
    }
    assert run([rule(effects=[per_unit])], BASKET).line_discounts[3] == 1500


def test_fixed_price_respects_the_application_limit() -> None:
    effect = {"type": "fixed_price", "price_minor": 10_000, "select": {"skus": ["CAR"]}}
    assert run([rule(effects=[effect])], BASKET).line_discounts[3] == 60_000
    limited = rule(effects=[effect], limits={"max_applications": 1})
    assert run([limited], BASKET).line_discounts[3] == 20_000


def test_n_plus_one_and_cheapest_free() -> None:
    three_for_two = {"type": "n_plus_one", "buy": 2, "select": {"categories": ["Toys"]}}
    # 4 toy units: one round of 2+1, the cheapest unit (a car at 30000) free
    assert run([rule(effects=[three_for_two])], BASKET).line_discounts == {1: 0, 2: 0, 3: 30_000}
    cheapest = {"type": "cheapest_free", "min_items": 5}
    result = run([rule(effects=[cheapest])], BASKET)
    assert result.line_discounts == {1: 10_000, 2: 0, 3: 0}


def test_gift_on_the_receipt_is_free_and_a_missing_one_is_asked_for() -> None:
    result = run([rule(effects=[{"type": "gift", "sku": "MILK"}])], BASKET)
    assert result.line_discounts[1] == 10_000
    missing = run([rule(effects=[{"type": "gift", "sku": "BALLOON", "qty": 2}])], BASKET)
    (applied,) = missing.applied
    assert applied.gifts == (("BALLOON", 2),)
    assert applied.messages[0][0] == "cashier"


def test_points_effects_and_messages() -> None:
    effects = [
        {"type": "bonus_points", "points": 300},
        {"type": "points_multiplier", "factor": "2", "select": {"brands": ["Lego"]}},
        {"type": "message", "text": "Thank you!", "audience": "receipt"},
    ]
    (applied,) = run([rule(effects=effects)], BASKET).applied
    assert applied.points == 300
    assert [(m.line_no, m.factor_bp) for m in applied.multipliers] == [(2, 20_000)]
    assert applied.messages == (("receipt", "Thank you!"),)
    assert applied.discount_minor == 0


CONDITIONS = [
    ({"type": "cart_total", "min_minor": 700_000}, "cart total 610000 is below 700000"),
    ({"type": "items", "select": {"skus": ["MILK"]}, "min_qty": 3}, "2 of 3 units of sku MILK"),
    ({"type": "customer_level", "levels": ["gold"]}, "customer level 'silver'"),
    ({"type": "customer_segment", "segments": ["vip"]}, "none of the segments"),
    ({"type": "birthday", "days_before": 1}, "birthday 06-06 is not within"),
    ({"type": "channel", "channels": ["web"]}, "channel 'store'"),
    ({"type": "store", "stores": ["S2"]}, "store None"),
    ({"type": "dates", "start": "2025-07-01"}, "before 2025-07-01"),
    ({"type": "time_of_day", "start": "18:00", "end": "22:00"}, "local time 12:00"),
    ({"type": "days_of_week", "days": [6, 7]}, "day of week 3"),
    ({"type": "coupon"}, "no valid coupon"),
    ({"type": "customer_attribute", "attribute": "city", "value": "Kazan"}, "customer city"),
]


@pytest.mark.parametrize(("condition", "reason"), CONDITIONS)
def test_each_condition_explains_why_not(condition: dict, reason: str) -> None:
    promo = rule(conditions=[{"type": "cart_total", "min_minor": 1}, condition])
    result = run([promo], BASKET)
    assert result.applied == ()
    why = result.why("P")
    assert why is not None
    assert not why.applied
    assert why.reason.startswith(f"conditions[1] ({condition['type']}): ")
    assert reason in why.reason


def test_conditions_that_hold() -> None:
    customer = Customer(
        customer_id=7,
        level="gold",
        segments=frozenset({"vip"}),
        birth_date=date(1990, 6, 5),
        first_purchase=True,
        attributes={"city": "Kazan", "age": 35},
    )
    conditions = [
        {"type": "customer_level", "levels": ["gold"]},
        {"type": "customer_segment", "segments": ["vip"]},
        {"type": "first_purchase"},
        {"type": "birthday", "days_before": 3},
        {"type": "channel", "channels": ["store"]},
        {"type": "store", "stores": ["S1"]},
        {"type": "dates", "start": "2025-06-01", "end": "2025-06-30"},
        {"type": "time_of_day", "start": "10:00", "end": "13:00"},
        {"type": "days_of_week", "days": [3]},
        {"type": "coupon"},
        {"type": "customer_attribute", "attribute": "age", "op": "gte", "value": 18},
        {"type": "customer_attribute", "attribute": "city", "op": "in", "value": ["Kazan"]},
    ]
    context = ctx(customer=customer, store="S1", coupons=frozenset({"P"}))
    result = run([rule(conditions=conditions)], BASKET, context)
    assert result.why("P").applied, result.why("P")


def test_time_windows_use_store_local_time_and_may_wrap_midnight() -> None:
    night = rule(conditions=[{"type": "time_of_day", "start": "22:00", "end": "02:00"}])
    late = datetime(2025, 6, 4, 20, 30, tzinfo=UTC)  # 23:30 in Moscow, 20:30 UTC
    assert run([night], BASKET, ctx(now=late)).applied
    assert not run([night], BASKET, ctx(now=late, timezone="UTC")).applied


def test_birthday_window_wraps_the_new_year() -> None:
    customer = Customer(customer_id=1, birth_date=date(2000, 1, 2))
    promo = rule(conditions=[{"type": "birthday", "days_before": 5}])
    eve = datetime(2024, 12, 29, 12, tzinfo=UTC)
    assert run([promo], BASKET, ctx(now=eve, customer=customer)).applied


def test_triggers_period_and_exhausted_budget() -> None:
    coupon_only = rule("C", trigger="coupon")
    offer_only = rule("O", trigger="personal_offer")
    later = rule("L", starts_at="2025-07-01T00:00:00+00:00")
    spent = rule("S")
    result = run([coupon_only, offer_only, later, spent], BASKET, ctx(exhausted=frozenset({"S"})))
    reasons = {e.code: e.reason for e in result.explanations}
    assert reasons["C"].startswith("trigger: no valid coupon")
    assert reasons["O"].startswith("trigger: the customer holds no offer")
    assert reasons["L"].startswith("starts at")
    assert reasons["S"] == "budget exhausted"


def test_stacking_modes() -> None:
    ten = {"type": "percent_off", "percent": "10"}
    twenty = {"type": "percent_off", "percent": "20"}
    stack_a, stack_b = rule("A", effects=[ten], priority=2), rule("B", effects=[ten], priority=3)
    result = run([stack_b, stack_a], BASKET)
    assert [a.code for a in result.applied] == ["A", "B"]  # by priority
    assert result.discount_minor == 61_000 + 54_900  # B on what A left

    first = rule("F1", effects=[ten], stacking="priority", priority=1)
    second = rule("F2", effects=[twenty], stacking="priority", priority=2)
    result = run([first, second], BASKET)
    assert [a.code for a in result.applied] == ["F1"]
    assert "comes first by priority" in result.why("F2").reason

    small = rule("B1", effects=[ten], stacking="best", priority=1)
    big = rule("B2", effects=[twenty], stacking="best", priority=2)
    result = run([small, big], BASKET)
    assert [a.code for a in result.applied] == ["B2"]
    assert "worth more" in result.why("B1").reason

    only = rule("X", effects=[ten], stacking="exclusive", priority=50)
    result = run([stack_a, first, only], BASKET)
    assert [a.code for a in result.applied] == ["X"]
    assert "exclusive promotion X" in result.why("A").reason


def test_limits_cap_a_promotion_and_the_receipt() -> None:
    half = {"type": "percent_off", "percent": "50"}
    capped = rule("M", effects=[half], limits={"max_discount_minor": 1000})
    result = run([capped], BASKET)
    assert result.discount_minor == 1000
    assert sum(a.amount_minor for a in result.applied[0].lines) == 1000
    share = rule("S", effects=[half], limits={"max_discount_share_pct": "5"})
    assert run([share], BASKET).discount_minor == 30_500
    result = run(
        [rule("A", effects=[half]), rule("B", effects=[half])], BASKET, max_discount_share_bp=6000
    )
    assert result.discount_minor == 366_000


def test_a_promotion_that_gives_nothing_says_so() -> None:
    result = run([rule(effects=[{"type": "n_plus_one", "buy": 9}])], BASKET)
    assert "gives nothing" in result.why("P").reason


def test_first_purchase_needs_an_identified_customer() -> None:
    promo = rule(conditions=[{"type": "first_purchase"}])
    assert not run([promo], BASKET, ctx(customer=Customer())).applied
    assert run([promo], BASKET).applied


def test_now_is_the_evaluation_time() -> None:
    assert NOW.tzinfo is UTC
