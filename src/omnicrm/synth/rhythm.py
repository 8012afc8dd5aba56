"""When people shop: the daily intensity of the period, hours of the day, seasonal categories and
the promotions in effect.

Purchase times are drawn from a non-homogeneous Poisson process: a person's uniform draws on the
cumulative intensity are mapped back to days, which makes weekends, the December peak, March 8,
back to school and Black Friday visible in every channel without per-channel bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

WEEKDAY = np.array([0.86, 0.84, 0.9, 0.95, 1.12, 1.38, 1.2])  # Mon..Sun
MONTH = np.array([0.82, 0.84, 1.0, 0.95, 0.95, 0.9, 0.9, 1.0, 1.05, 1.0, 1.08, 1.3])
# Store hours 10:00-22:00, lunchtime and after-work peaks.
STORE_HOURS = np.array([0] * 10 + [4, 6, 9, 10, 8, 7, 8, 10, 12, 12, 9, 5] + [0] * 2, dtype=float)
ONLINE_HOURS = np.array(
    [2, 1, 0.6, 0.4, 0.4, 0.6, 1.5, 3, 4, 5, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 10, 10, 8, 4],
    dtype=float,
)
# Root categories (catalog.TREE order) and how strongly they are bought on an ordinary day.
ROOT_WEIGHTS = np.array([0.15, 0.2, 0.12, 0.08, 0.14, 0.15, 0.08, 0.08])
SCHOOL, TOYS, COSMETICS, HOME = 3, 2, 4, 5


@dataclass(frozen=True)
class Promotion:
    name: str
    start: date
    end: date  # inclusive
    root: int | None  # None = every category
    pct: float


PROMOTIONS: tuple[Promotion, ...] = (
    Promotion("new_year_clearance_2025", date(2025, 1, 3), date(2025, 1, 12), None, 0.15),
    Promotion("feb23_2025", date(2025, 2, 17), date(2025, 2, 23), 7, 0.10),
    Promotion("march8_2025", date(2025, 3, 3), date(2025, 3, 8), COSMETICS, 0.20),
    Promotion("spring_shoes_2025", date(2025, 4, 7), date(2025, 4, 20), 0, 0.15),
    Promotion("summer_sport_2025", date(2025, 6, 2), date(2025, 6, 15), 6, 0.10),
    Promotion("summer_sale_2025", date(2025, 7, 14), date(2025, 7, 31), 1, 0.25),
    Promotion("back_to_school_2025", date(2025, 8, 11), date(2025, 9, 7), SCHOOL, 0.15),
    Promotion("home_week_2025", date(2025, 10, 6), date(2025, 10, 12), HOME, 0.10),
    Promotion("black_friday_2025", date(2025, 11, 28), date(2025, 11, 30), None, 0.25),
    Promotion("toys_december_2025", date(2025, 12, 10), date(2025, 12, 24), TOYS, 0.10),
    Promotion("new_year_clearance_2026", date(2026, 1, 3), date(2026, 1, 11), None, 0.15),
    Promotion("feb23_2026", date(2026, 2, 16), date(2026, 2, 23), 7, 0.10),
    Promotion("march8_2026", date(2026, 3, 2), date(2026, 3, 8), COSMETICS, 0.20),
)


def _peaks(d: date) -> float:
    """Holiday multipliers on top of the weekday and month rhythm."""
    m, day = d.month, d.day
    f = 1.0
    if m == 12 and day >= 15:
        f *= 1.0 + 0.09 * (day - 14) if day <= 30 else 1.2  # run-up to New Year, up to x2.4
    if m == 1 and day == 1:
        f *= 0.25
    if m == 1 and 2 <= day <= 8:
        f *= 0.85
    if m == 2 and 20 <= day <= 22:
        f *= 1.35
    if m == 3 and 4 <= day <= 7:
        f *= 2.0
    if (m == 8 and day >= 15) or (m == 9 and day == 1):
        f *= 1.45
    if m == 11 and day >= 21:  # the week of Black Friday (last Friday of November)
        bf = _last_friday_of_november(d.year)
        if d == bf:
            f *= 2.8
        elif bf < d <= bf + timedelta(days=2):
            f *= 1.7
        elif bf - timedelta(days=7) <= d < bf:
            f *= 0.85  # people wait for the deals
    return f


def _last_friday_of_november(year: int) -> date:
    d = date(year, 11, 30)
    return d - timedelta(days=(d.weekday() - 4) % 7)


@dataclass(frozen=True)
class Calendar:
    """Per-day arrays over the period (day 0 = first day)."""

    start: date
    intensity: np.ndarray  # mean 1 over an ordinary year
    cumulative: np.ndarray  # cumulative[d] = sum(intensity[:d + 1]) / 365 (in years)
    root_cdf: np.ndarray  # (days, roots): cumulative category choice on that day
    promo_pct: np.ndarray  # (days, roots): line discount in effect
    promo_id: np.ndarray  # (days, roots): index in PROMOTIONS or -1

    @property
    def n_days(self) -> int:
        return len(self.intensity)

    def years(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Integrated intensity over days ``[lo, hi)`` in year units."""
        c = np.concatenate([[0.0], self.cumulative])
        return c[hi] - c[lo]


def build_calendar(start: date, n_days: int) -> Calendar:
    days = [start + timedelta(days=i) for i in range(n_days)]
    raw = np.array([WEEKDAY[d.weekday()] * MONTH[d.month - 1] * _peaks(d) for d in days])
    # Normalise on a reference year so that lambda stays "purchases per year".
    ref = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    ref_mean = np.mean([WEEKDAY[d.weekday()] * MONTH[d.month - 1] * _peaks(d) for d in ref])
    intensity = raw / ref_mean
    roots = np.tile(ROOT_WEIGHTS, (n_days, 1))
    for i, d in enumerate(days):
        if (d.month == 8 and d.day >= 10) or (d.month == 9 and d.day <= 5):
            roots[i, SCHOOL] *= 4.0
        if d.month == 12:
            roots[i, TOYS] *= 2.5
            roots[i, HOME] *= 1.4
        if d.month == 3 and d.day <= 8:
            roots[i, COSMETICS] *= 3.0
    roots /= roots.sum(axis=1, keepdims=True)
    pct = np.zeros_like(roots)
    pid = np.full(roots.shape, -1, dtype=np.int64)
    for k, p in enumerate(PROMOTIONS):
        lo, hi = (p.start - start).days, (p.end - start).days + 1
        if hi <= 0 or lo >= n_days:
            continue
        sl = slice(max(lo, 0), min(hi, n_days))
        cols = slice(None) if p.root is None else slice(p.root, p.root + 1)
        better = pct[sl, cols] < p.pct
        pct[sl, cols] = np.where(better, p.pct, pct[sl, cols])
        pid[sl, cols] = np.where(better, k, pid[sl, cols])
    return Calendar(
        start=start,
        intensity=intensity,
        cumulative=np.cumsum(intensity) / 365.0,
        root_cdf=np.cumsum(roots, axis=1),
        promo_pct=pct,
        promo_id=pid,
    )


def hour_cdf(weights: np.ndarray) -> np.ndarray:
    return np.cumsum(weights) / weights.sum()
