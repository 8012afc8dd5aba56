"""Purchase data for the CLV tests, loaded straight into an analytics snapshot's ``orders`` and
``customers`` tables so the models read them through the real ``purchases`` view.

CDNOW: the 2,357-customer sample of Fader, Hardie & Lee (2005), the raw transactions shipped in the
``lifetimes`` wheel (found through the wheel's file list, without importing the package)."""

import importlib.metadata
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
from lifetimes import BaseFitter

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.predict.clv import WEEK, customer_summary

CDNOW_ORIGIN = date(1997, 1, 1)
CDNOW_CALIBRATION_END = date(1997, 9, 30)
CDNOW_END = date(1998, 6, 30)


def cdnow_path() -> Path:
    (file,) = [
        f for f in importlib.metadata.files("lifetimes") or [] if f.name == "CDNOW_sample.txt"
    ]
    return Path(str(file.locate()))


def cdnow_transactions() -> list[tuple[int, date, int]]:
    """(customer, day, value in cents) for every CDNOW sample transaction."""
    rows = []
    for line in cdnow_path().read_text().splitlines():
        _, customer, day, _, dollars = line.split()
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        rows.append((int(customer), when, int(Decimal(dollars) * 100)))
    return rows


def load_purchases(
    snapshot: Snapshot,
    purchases: list[tuple[int, date | datetime, int]],
    cancelled: frozenset[int] = frozenset(),
    merged: dict[int, int] | None = None,
) -> None:
    """Orders (customer, day or time, total_minor), numbered from 1 (``cancelled`` by number);
    ``merged`` maps a customer profile to the profile it was merged into."""
    merged = merged or {}
    times = [
        p[1] if isinstance(p[1], datetime) else datetime(*p[1].timetuple()[:3], tzinfo=UTC)
        for p in purchases
    ]
    orders = pa.table(
        {
            "id": list(range(1, len(purchases) + 1)),
            "customer_id": [p[0] for p in purchases],
            "placed_at": pa.array(times, pa.timestamp("us", tz="UTC")),
            "total_minor": [p[2] for p in purchases],
            "cancelled": [i in cancelled for i in range(1, len(purchases) + 1)],
        }
    )
    ids = sorted({p[0] for p in purchases} | set(merged))
    customers = pa.table({"id": ids, "resolved_id": [merged.get(i, i) for i in ids]})
    db = snapshot.cursor()
    db.register("new_orders", orders)
    db.register("new_customers", customers)
    db.execute(
        """INSERT INTO orders (id, customer_id, placed_at, total_minor, cancelled)
           SELECT * FROM new_orders"""
    )
    db.execute("INSERT INTO customers (id, resolved_id) SELECT * FROM new_customers")


def cdnow_snapshot(folder: Path) -> Snapshot:
    """A snapshot in ``folder`` holding every CDNOW sample transaction as an order."""
    snapshot = Snapshot(folder / "analytics.duckdb")
    load_purchases(snapshot, cdnow_transactions())
    return snapshot


def cdnow_weeks(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The calibration summary (x, t_x, T in weeks), read through the snapshot's purchases."""
    summary = customer_summary(cdnow_snapshot(folder), CDNOW_CALIBRATION_END)
    return (
        summary["frequency"].to_numpy().astype(float),
        summary["recency"].to_numpy() / WEEK,
        summary["T"].to_numpy() / WEEK,
    )


def assert_predictions_match(
    module, params, reference: BaseFitter, summary: tuple[np.ndarray, ...], rtol: float
) -> None:
    """P(alive), the conditional 39-week forecast and E[X(t)] of ``module`` under ``params``
    equal those of the lifetimes fitter ``reference`` (given the same parameters)."""
    weeks = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(
        module.p_alive(params, *summary),
        reference.conditional_probability_alive(*summary),
        rtol=rtol,
    )
    np.testing.assert_allclose(
        module.conditional_expected_purchases(params, 39.0, *summary),
        reference.conditional_expected_number_of_purchases_up_to_time(39.0, *summary),
        rtol=rtol,
    )
    np.testing.assert_allclose(
        module.expected_purchases(params, weeks),
        reference.expected_number_of_purchases_up_to_time(weeks),
        rtol=rtol,
    )
