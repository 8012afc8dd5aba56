"""The tracking plot of Fader, Hardie & Lee (2005, figure 4): cumulative repeat purchases week by
week, actual against what the fitted model expects for the same cohort, through the calibration
period and on into a holdout. Time runs in days from ``origin``; a customer enters on their first
purchase day and each later purchase day counts once."""

from datetime import date
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.predict.bgnbd import BgNbd
from omnicrm.predict.clv import WEEK, cursor_of, day_end, module_of
from omnicrm.predict.paretonbd import ParetoNbd

COHORT_DAYS = """
    WITH days AS (
        SELECT DISTINCT customer,
               date_diff('day', CAST($origin AS DATE), CAST(placed_at AS DATE)) AS day
        FROM purchases
        WHERE customer IS NOT NULL AND placed_at < $until),
    cohort AS (
        SELECT customer, min(day) AS birth FROM days GROUP BY customer
        HAVING min(day) >= 0 AND min(day) <= $calibration_days)
    SELECT d.day, d.day = c.birth AS is_birth
    FROM days d JOIN cohort c USING (customer)"""


def cumulative_tracking(
    params: BgNbd | ParetoNbd,
    births: np.ndarray,
    repeats: np.ndarray,
    weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative actual and expected repeat purchases at the end of weeks 1..``weeks``, given
    each customer's first purchase day (``births``) and every repeat purchase day (days from the
    origin; a customer born on day b is ``(d - b) / 7`` weeks old at the end of day d)."""
    ends = np.arange(1, weeks + 1) * 7 - 1  # last day of each week
    actual = np.searchsorted(np.sort(repeats), ends, side="right")
    days, counts = np.unique(births, return_counts=True)
    exposure = np.maximum(ends[None, :] - days[:, None], 0) / WEEK
    expected = counts @ module_of(params).expected_purchases(params, exposure)
    return actual, expected


def tracking(
    source: Snapshot | duckdb.DuckDBPyConnection,
    params: BgNbd | ParetoNbd,
    origin: date,
    calibration_end: date,
    until: date,
) -> pa.Table:
    """Week, cumulative actual and expected repeat purchases and whether the week is in the
    holdout, for the customers whose first purchase falls in [origin, calibration_end], from the
    purchases up to ``until`` (weeks of 7 days from ``origin``; a last partial week is dropped)."""
    if not origin <= calibration_end < until:
        raise ValueError("need origin <= calibration_end < until")
    values: dict[str, Any] = {
        "origin": origin,
        "until": day_end(until),
        "calibration_days": (calibration_end - origin).days,
    }
    days = cursor_of(source).execute(COHORT_DAYS, values).to_arrow_table()
    day = days["day"].to_numpy()
    is_birth = days["is_birth"].to_numpy(zero_copy_only=False)
    weeks = ((until - origin).days + 1) // 7
    actual, expected = cumulative_tracking(params, day[is_birth], day[~is_birth], weeks)
    week = np.arange(1, weeks + 1)
    return pa.table(
        {
            "week": week,
            "actual": actual,
            "expected": expected,
            "holdout": week * 7 > (calibration_end - origin).days + 1,
        }
    )
