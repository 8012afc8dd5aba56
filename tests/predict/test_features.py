"""Features as of a cut-off: only what was known before it, checked against the raw purchases."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from predict_chain import Chain
from sqlalchemy import func, select

from omnicrm.predict.features import CONTEXT, build_features, feature_names, store_facts
from omnicrm.store.db import read_session
from omnicrm.store.schema import Event
from omnicrm.store.schema.loyalty import LoyaltyAccount


def _purchases(chain: Chain, before: datetime) -> dict[int, list[float]]:
    """Each resolved customer's purchase times (epoch seconds) before ``before``."""
    rows = (
        chain.snapshot.cursor()
        .execute(
            "SELECT customer, epoch(placed_at) FROM purchases "
            "WHERE customer IS NOT NULL AND placed_at < $t ORDER BY 1, 2",
            {"t": before},
        )
        .fetchall()
    )
    out: dict[int, list[float]] = {}
    for customer, at in rows:
        out.setdefault(customer, []).append(at)
    return out


def test_features_see_only_the_past(chain: Chain) -> None:
    cutoff = chain.cutoff(120)
    f = build_features(chain.snapshot.cursor(), cutoff, chain.engine)
    bought = _purchases(chain, cutoff)
    year = cutoff.timestamp() - 365 * 86400
    active = sorted(c for c, times in bought.items() if times[-1] >= year)
    assert f.column("customer").to_pylist() == active
    rows = {r["customer"]: r for r in f.to_pylist()}
    for customer in active[:: max(1, len(active) // 200)]:
        times = np.array(bought[customer])
        row = rows[customer]
        assert row["recency_days"] == pytest.approx((cutoff.timestamp() - times[-1]) / 86400)
        assert row["frequency_90"] == sum(times >= cutoff.timestamp() - 90 * 86400)
        assert row["orders_total"] == len(times)
        days = np.unique((times // 86400).astype(int))
        if len(days) > 1:
            assert row["mean_gap_days"] == pytest.approx(np.diff(days).mean())
        else:
            assert row["mean_gap_days"] is None
    assert all(r > 0 for r in f.column("recency_days").to_pylist())
    names = feature_names(f)
    assert not set(CONTEXT) & set(names)
    assert {"frequency_30", "monetary_365", "gap_trend_days", "points_expiring_30"} <= set(names)


def test_features_from_the_store_as_of_the_cut_off(chain: Chain) -> None:
    end = chain.data_end
    with read_session(chain.engine) as s:
        balances = dict(s.execute(select(LoyaltyAccount.customer_id, LoyaltyAccount.balance)).all())
        complaints = dict(
            s.execute(
                select(Event.customer_id, func.count())
                .where(Event.kind == "call", Event.attrs["topic"].as_string() == "complaint")
                .where(Event.occurred_at < end, Event.occurred_at >= end - timedelta(days=365))
                .group_by(Event.customer_id)
            ).all()
        )
    assert sum(balances.values()) > 0
    later = store_facts(chain.engine, datetime.now(UTC) + timedelta(days=1)).to_pylist()
    assert {r["customer_id"]: r["points_balance"] for r in later if r["points_balance"]} == {
        c: b for c, b in balances.items() if b
    }
    # The registry's opening balances were recorded at import: none of it existed at data end.
    at_end = store_facts(chain.engine, end).to_pylist()
    assert sum(r["points_balance"] for r in at_end) == 0
    assert {r["customer_id"]: r["complaints_365"] for r in at_end if r["complaints_365"]} == {
        c: float(n) for c, n in complaints.items() if c is not None
    }
    assert any(r["nps_last"] is not None for r in at_end)
