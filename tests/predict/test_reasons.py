"""Reasons: each feature said with the customer's own values, in Russian and English; the
features that push the risk up most come first; every customer gets at least one."""

import math

import numpy as np
import pytest

from omnicrm.predict import reasons

NAN = math.nan


def test_twice_the_usual_cycle() -> None:
    ru, en = reasons.sentence(
        "recency_ratio", {"recency_ratio": 2.0, "recency_days": 60.2, "mean_gap_days": 30.1}
    )
    assert en == "has not bought for twice their usual cycle: 60 days, usually every 30"
    assert ru == "не покупает вдвое дольше обычного: 60 дн., обычно раз в 30 дн."
    _, en = reasons.sentence(
        "recency_ratio", {"recency_ratio": 4.26, "recency_days": 128, "mean_gap_days": 30}
    )
    assert en.startswith("has not bought for 4.3 times their usual cycle")
    ru, en = reasons.sentence(
        "recency_ratio", {"recency_ratio": 0.4, "recency_days": 12, "mean_gap_days": 30}
    )
    assert en == "buys on their usual cycle: every 30 days, the last 12 days ago"


def test_points_expire_in_days() -> None:
    ru, en = reasons.sentence(
        "points_expiring_30", {"points_expiring_30": 120, "points_expire_in_days": 9.2}
    )
    assert en == "120 points expire in 10 days"
    assert ru == "120 баллов сгорят через 10 дн."
    ru, _ = reasons.sentence(
        "points_expiring_30", {"points_expiring_30": 21, "points_expire_in_days": 3}
    )
    assert ru == "21 балл сгорит через 3 дн."
    _, en = reasons.sentence(
        "points_expiring_30", {"points_expiring_30": 0, "points_expire_in_days": NAN}
    )
    assert en == "no points expire within a month"


@pytest.mark.parametrize(
    ("n", "ru", "en"),
    [
        (1, "1 покупка за 90 дн.", "1 purchase in the last 90 days"),
        (3, "3 покупки за 90 дн.", "3 purchases in the last 90 days"),
        (11, "11 покупок за 90 дн.", "11 purchases in the last 90 days"),
        (22, "22 покупки за 90 дн.", "22 purchases in the last 90 days"),
        (0, "ни одной покупки за 90 дн.", "no purchase in the last 90 days"),
    ],
)
def test_counts_take_the_right_plural(n: int, ru: str, en: str) -> None:
    assert reasons.sentence("frequency_90", {"frequency_90": n}) == (ru, en)


def test_money_and_scores() -> None:
    ru, en = reasons.sentence("monetary_365", {"monetary_365": 1_234_550})
    assert en == "spent 12,346 RUB in the last 365 days"
    assert ru == "потратил 12\u00a0346 ₽ за 365 дн."
    assert reasons.sentence("nps_last", {"nps_last": 3})[1] == "last NPS score 3 (a detractor)"
    assert reasons.sentence("nps_last", {"nps_last": NAN}) is None


def test_a_missing_value_is_not_said() -> None:
    assert reasons.sentence("mean_gap_days", {"mean_gap_days": NAN}) is None
    assert (
        reasons.sentence(
            "recency_ratio", {"recency_ratio": 2.0, "recency_days": 60, "mean_gap_days": NAN}
        )
        is None
    )


def test_explain_orders_by_contribution_and_always_says_something() -> None:
    names = ["recency_days", "frequency_90", "nps_last", "complaints_365"]
    columns = {
        "recency_days": np.array([40.0, 5.0]),
        "frequency_90": np.array([0.0, 4.0]),
        "nps_last": np.array([NAN, 10.0]),
        "complaints_365": np.array([2.0, 0.0]),
    }
    contributions = np.array(
        [
            [0.2, 0.9, 0.5, 0.4],  # nps_last has no value: skipped, the next one said
            [-0.3, -1.2, -0.1, -0.2],  # nothing pushes up: the strongest hold-down is said
        ]
    )
    ru, en = reasons.explain(contributions, names, columns)
    assert en[0] == [
        "no purchase in the last 90 days",
        "2 complaints in a year",
        "last purchase 40 days ago",
    ]
    assert ru[0][1] == "2 жалобы за год"
    assert en[1] == ["4 purchases in the last 90 days"]
    assert len(ru[1]) == 1


def test_every_feature_has_a_sentence_and_unknown_ones_are_refused() -> None:
    from omnicrm.predict.features import STORE_COLUMNS

    assert set(STORE_COLUMNS) <= reasons.SENTENCES.keys()
    with pytest.raises(ValueError, match="no sentence for features \\['shoe_size'\\]"):
        reasons.explain(np.zeros((1, 1)), ["shoe_size"], {"shoe_size": np.zeros(1)})
