"""The retention action recommended to a customer at risk, as data a campaign can use.

Pure: the churn risk and the customer's features in, one action out, the cheapest that fits first:

1. risk under ``ACT_FROM`` (staying is likelier than churning): ``none`` (keep them out of a
   retention campaign: money is wasted on customers who stay anyway);
2. points about to expire: ``points_reminder`` (costs nothing but the message);
3. a lapsed root category (bought 90-365 days ago, not in the last 90): ``category_discount`` in
   it, ``DISCOUNT_PCT`` or ``HIGH_RISK_DISCOUNT_PCT`` percent for ``VALID_DAYS``;
4. a valuable customer (average receipt of at least ``VALUABLE_RECEIPT_MINOR``): ``bonus_points``,
   ``BONUS_SHARE`` of their average receipt at one point per ruble, on their next purchase;
5. otherwise: ``offer``, a win-back discount on their favourite category.

Every action carries ``kind``, ``risk_band`` (``low`` / ``medium`` / ``high``) and
``valid_days``, so a campaign can take one kind and band as its audience (with its own control
group).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

ACT_FROM = 0.5
HIGH_RISK = 0.8
DISCOUNT_PCT = 10
HIGH_RISK_DISCOUNT_PCT = 15
VALID_DAYS = 14
VALUABLE_RECEIPT_MINOR = 500_000
BONUS_SHARE = 0.1
BONUS_POINTS = (100, 2_000)
READS = ("points_expiring_30", "points_expire_in_days", "avg_order_minor")
"""The features an action is chosen by."""


def risk_band(risk: float) -> str:
    return "low" if risk < ACT_FROM else "high" if risk >= HIGH_RISK else "medium"


def recommend(
    risk: float,
    values: Mapping[str, float],
    top_category: str | None,
    lapsed_category: str | None,
) -> dict:
    """The action for a customer with churn probability ``risk`` and features ``values`` (NaN
    where none; reads ``points_expiring_30``, ``points_expire_in_days``, ``avg_order_minor``)."""
    if not 0.0 <= risk <= 1.0:
        raise ValueError(f"risk must be a probability, got {risk}")
    band = risk_band(risk)
    if band == "low":
        return {"kind": "none", "risk_band": band, "valid_days": 0}
    points = values.get("points_expiring_30", math.nan)
    days = values.get("points_expire_in_days", math.nan)
    if points > 0 and not math.isnan(days):
        return {
            "kind": "points_reminder",
            "risk_band": band,
            "points": round(points),
            "expires_in_days": max(1, math.ceil(days)),
            "valid_days": max(1, math.ceil(days)),
        }
    pct = HIGH_RISK_DISCOUNT_PCT if band == "high" else DISCOUNT_PCT
    if lapsed_category:
        return {
            "kind": "category_discount",
            "risk_band": band,
            "category": lapsed_category,
            "discount_pct": pct,
            "valid_days": VALID_DAYS,
        }
    receipt = values.get("avg_order_minor", math.nan)
    if receipt >= VALUABLE_RECEIPT_MINOR:
        lo, hi = BONUS_POINTS
        return {
            "kind": "bonus_points",
            "risk_band": band,
            "points": int(min(hi, max(lo, round(BONUS_SHARE * receipt / 100)))),
            "valid_days": VALID_DAYS * 2,
        }
    return {
        "kind": "offer",
        "risk_band": band,
        "offer": "win_back",
        "category": top_category,
        "discount_pct": pct,
        "valid_days": VALID_DAYS,
    }
