"""Customer lifetime value over the analytics snapshot: each customer's purchase summary (from the
``purchases`` view, in whole UTC days), a BG/NBD (or Pareto/NBD) model of repeat purchases and a
Gamma-Gamma model of spend fitted to it, and per customer P(alive), expected purchases, expected
spend and a discounted CLV in integer minor units.

Conventions (those of Fader, Hardie & Lee): same-day purchases are one purchase (their totals
summed); ``frequency`` counts purchase days after the first, ``recency`` is the first to the last
purchase day and ``T`` the first purchase day to ``as_of`` (the last day of the calibration
period, included), all in days; the models are fitted in weeks (days / 7). Spend is the orders'
``total_minor`` (cancelled orders excluded by the view; returns are not netted out)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import ModuleType
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from omnicrm.analytics.rfm import INACTIVE
from omnicrm.analytics.segments import score_steps, segment_table
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.analytics.steps import fetch, run_steps
from omnicrm.predict import bgnbd, gammagamma, paretonbd
from omnicrm.predict.bgnbd import BgNbd
from omnicrm.predict.gammagamma import GammaGamma
from omnicrm.predict.paretonbd import ParetoNbd

WEEK = 7.0
"""Days per model time unit."""

MONTH_DAYS = 30
"""The discount rate is per month of this many days; CLV sums the months' discounted value."""

MODELS: dict[str, ModuleType] = {"bgnbd": bgnbd, "paretonbd": paretonbd}


def module_of(params: BgNbd | ParetoNbd) -> ModuleType:
    """The module whose functions take these parameters."""
    return paretonbd if isinstance(params, ParetoNbd) else bgnbd


SUMMARY = """
    WITH days AS (
        SELECT customer, epoch_ms(placed_at) // 86400000 AS day,
               CAST(sum(total_minor) AS BIGINT) AS spend
        FROM purchases
        WHERE customer IS NOT NULL AND placed_at < $until
        GROUP BY ALL)
    SELECT customer AS customer_id, count(*) - 1 AS frequency,
           max(day) - min(day) AS recency,
           $as_of_day - min(day) AS "T",
           CAST(sum(spend) - arg_min(spend, day) AS BIGINT) AS repeat_spend_minor
    FROM days GROUP BY customer ORDER BY customer"""
"""Days are UTC days numbered from the epoch (the integer arithmetic spares a time zone lookup
per order)."""


@dataclass(frozen=True, slots=True)
class Terms:
    """How value is counted: over ``horizon_days``, each month's purchases discounted at the
    monthly rate ``discount``, ``margin`` the share of spend that is value; which purchase model."""

    horizon_days: int = 365
    discount: float = 0.01
    margin: float = 1.0
    model: str = "bgnbd"

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= 3650:
            raise ValueError(f"horizon_days must be 1..3650, got {self.horizon_days}")
        if not 0 <= self.discount < 1:
            raise ValueError(f"discount (monthly rate) must be in [0, 1), got {self.discount}")
        if not 0 < self.margin <= 1:
            raise ValueError(f"margin (share of spend) must be in (0, 1], got {self.margin}")
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {sorted(MODELS)}, got {self.model!r}")


@dataclass(frozen=True, slots=True)
class ClvModel:
    """What a CLV run fitted and on which terms (parameters carry their log-likelihoods)."""

    purchases: BgNbd | ParetoNbd
    spend: GammaGamma
    as_of: date
    terms: Terms


def cursor_of(source: Snapshot | duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A snapshot's own cursor (UTC), or the connection given (whose zone must be UTC)."""
    return source.cursor() if isinstance(source, Snapshot) else source


def day_end(day: date) -> datetime:
    """The end of ``day`` in UTC, the snapshot's zone."""
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def customer_summary(source: Snapshot | duckdb.DuckDBPyConnection, as_of: date) -> pa.Table:
    """One row per customer who bought on or before ``as_of``: customer_id, frequency, recency,
    T (days) and repeat_spend_minor (total over the repeat purchase days)."""
    as_of_day = (as_of - date(1970, 1, 1)).days
    params: dict[str, Any] = {"as_of_day": as_of_day, "until": day_end(as_of)}
    return cursor_of(source).execute(SUMMARY, params).to_arrow_table()


def mean_repeat_spend(summary: pa.Table) -> np.ndarray:
    """Mean spend per repeat purchase day (float minor units; 0 without repeats)."""
    x = summary["frequency"].to_numpy().astype(np.float64)
    total = summary["repeat_spend_minor"].to_numpy().astype(np.float64)
    return np.divide(total, x, out=np.zeros_like(x), where=x > 0)


def discounted_purchases(
    model: ModuleType,
    params: BgNbd | ParetoNbd,
    x: np.ndarray,
    age: np.ndarray,
    horizon_days: int,
    discount: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected purchases over the horizon of a customer still alive, and the same with each
    month's share discounted at ``discount`` per month (ages in model time units). The
    customer's P(alive) turns both into conditional expectations; it is the same factor every
    month, so callers apply it once."""
    ends = np.append(np.arange(MONTH_DAYS, horizon_days, MONTH_DAYS), horizon_days)
    total = np.zeros_like(age, dtype=np.float64)
    discounted = np.zeros_like(total)
    for end in ends:
        upto = model.expected_if_alive(params, end / WEEK, x, age)
        discounted += (upto - total) / (1 + discount) ** (end / MONTH_DAYS)
        total = upto
    return total, discounted


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First index, inverse and count of each distinct row of whole-number ``columns`` (one
    integer key per row: far cheaper than sorting rows)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        key = key * (int(column.max()) + 1) + column
    _, first, back, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return first, back, counts


def score_summary(
    summary: pa.Table, as_of: date, terms: Terms = Terms()
) -> tuple[ClvModel, pa.Table]:
    """Fit the purchase and spend models to ``summary`` (as ``customer_summary`` returns it) and
    score every customer in it; see ``fit_and_score``."""
    if summary.num_rows == 0:
        raise ValueError(f"no customer bought on or before {as_of}")
    x = summary["frequency"].to_numpy().astype(np.int64)
    recency = summary["recency"].to_numpy().astype(np.int64)
    age = summary["T"].to_numpy().astype(np.int64)
    # Whole days repeat a lot: fit and score each distinct (x, recency, T) once, and what
    # depends on (x, T) alone once per distinct pair.
    first, back, counts = _distinct(x, recency, age)
    ux, utx, uage = x[first].astype(np.float64), recency[first] / WEEK, age[first] / WEEK
    module = MODELS[terms.model]
    purchase_params = module.fit(ux, utx, uage, weights=counts)
    alive = module.p_alive(purchase_params, ux, utx, uage)
    pair, pair_back, _ = _distinct(x[first], age[first])
    if_alive, discounted_if_alive = discounted_purchases(
        module, purchase_params, ux[pair], uage[pair], terms.horizon_days, terms.discount
    )
    expected = (if_alive[pair_back] * alive)[back]
    discounted = (discounted_if_alive[pair_back] * alive)[back]
    mean = mean_repeat_spend(summary)
    repeaters = (x > 0) & (mean > 0)
    spend_params = gammagamma.fit(x[repeaters], mean[repeaters])
    if spend_params.q <= 1:
        raise ValueError(
            "the spend model has no finite population mean (q <= 1): too few repeaters"
        )
    spend = gammagamma.expected_spend(spend_params, x, mean)
    clv = terms.margin * spend * discounted
    if not np.isfinite(clv).all():
        bad = int((~np.isfinite(clv)).sum())
        raise ValueError(f"the fitted models give no finite CLV for {bad} customers")
    scores = pa.table(
        {
            "customer_id": summary["customer_id"],
            "frequency": x,
            "recency": recency,
            "T": age,
            "p_alive": alive[back],
            "expected_purchases": expected,
            "expected_spend_minor": np.rint(spend).astype(np.int64),
            "clv_minor": np.rint(clv).astype(np.int64),
        }
    )
    fitted = ClvModel(purchase_params, spend_params, as_of, terms)
    return fitted, scores


def fit_and_score(
    source: Snapshot | duckdb.DuckDBPyConnection,
    as_of: date,
    horizon_days: int = 365,
    discount: float = 0.01,
    margin: float = 1.0,
    model: str = "bgnbd",
) -> tuple[ClvModel, pa.Table]:
    """Fit on the purchases up to ``as_of`` and score every customer who made one.

    Returns the fitted models and a table of customer_id, frequency, recency, T (days),
    p_alive, expected_purchases (over ``horizon_days``), expected_spend_minor (per purchase) and
    clv_minor (``margin`` times expected spend over the horizon, each month's purchases
    discounted at the monthly rate ``discount``)."""
    terms = Terms(horizon_days, discount, margin, model)
    return score_summary(customer_summary(source, as_of), as_of, terms)


SEGMENT_TOTALS = """
    SELECT coalesce(m.segment, $inactive) AS segment, count(*) AS customers,
           sum(s.clv_minor) AS clv_minor,
           CAST(round(avg(s.clv_minor)) AS BIGINT) AS clv_per_customer_minor,
           avg(s.p_alive) AS p_alive, sum(s.expected_purchases) AS expected_purchases
    FROM clv_scores s LEFT JOIN member_segments m ON m.customer = s.customer_id
    GROUP BY ALL ORDER BY clv_minor DESC, segment"""


def clv_by_segment(
    source: Snapshot | duckdb.DuckDBPyConnection, scores: pa.Table, as_of: date, days: int = 365
) -> pa.Table:
    """CLV totals per RFM segment (scored over the ``days`` up to ``as_of``; customers with no
    purchase in that window are ``(no purchase)``): customers, clv_minor, clv_per_customer_minor,
    mean p_alive, expected_purchases."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    db = cursor_of(source)
    until = day_end(as_of)
    db.register("rfm_grid", segment_table())
    db.register("clv_scores", scores)
    try:
        run_steps(
            db,
            score_steps("purchases", "member"),
            {"since": until - timedelta(days=days), "until": until},
        )
        columns, rows = fetch(db, SEGMENT_TOTALS, {"inactive": INACTIVE})
    finally:
        db.unregister("clv_scores")
        db.unregister("rfm_grid")
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
