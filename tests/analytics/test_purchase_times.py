"""When and where people buy: the hour x weekday heatmap equals an independent count (Python's
zoneinfo over the orders as made) on a hand-made shop whose stores sit in three time zones, with
online orders placed in the customer's home-store zone or the default zone."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from analytics_shop import Shop
from sqlalchemy import Engine

from omnicrm.analytics.query import Filters, Period, Query
from omnicrm.analytics.reports import ReportOptions
from omnicrm.analytics.service import report_analysis, run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Store

ZONES = {"M": "Europe/Moscow", "E": "Asia/Yekaterinburg", "V": "Asia/Vladivostok"}
DEFAULT_ZONE = "Europe/Moscow"  # OMNICRM_CUSTOMER_TIMEZONE's default
SINCE = datetime(2025, 3, 1, tzinfo=UTC)
UNTIL = datetime(2025, 5, 1, tzinfo=UTC)


@pytest.fixture
def orders(engine: Engine) -> list[tuple[str, str, str | None, datetime, int]]:
    """(channel, zone, store, placed_at, total) of each purchase that counts."""
    rng = random.Random(18)
    made = []
    with unit_of_work(engine) as session:
        shop = Shop(session)
        for code, zone in ZONES.items():
            store = Store(code=code, name=code, city=f"City {code}", region="R",
                          timezone=zone, kind="store", opened_on=date(2020, 1, 1))  # fmt: skip
            session.add(store)
            session.flush()
            shop.ids[code] = store.id
        shop.reference()  # products P1..P3 (and two Moscow stores nobody buys in)
        shop.customer("home_v", home_store_id=shop.ids["V"], city="City V")
        shop.customer("nowhere")
        for _ in range(150):
            when = SINCE + timedelta(
                minutes=rng.randrange(int((UNTIL - SINCE).total_seconds() // 60))
            )
            total = 100 * rng.randint(1, 50)
            kind = rng.choice(["store", "store", "web_home", "web_nowhere", "cancelled"])
            if kind == "store":
                code = rng.choice(list(ZONES))
                shop.order(None, "store", when, [("P1", 1, total)], store=code)
                made.append(("store", ZONES[code], code, when, total))
            elif kind == "web_home":
                shop.order("home_v", "web", when, [("P2", 1, total)], status="delivered")
                made.append(("web", ZONES["V"], None, when, total))
            elif kind == "web_nowhere":
                shop.order("nowhere", "web", when, [("P2", 1, total)], status="delivered")
                made.append(("web", DEFAULT_ZONE, None, when, total))
            else:
                shop.order(None, "store", when, [("P3", 1, total)], store="E", status="cancelled")
        shop.order(None, "store", UNTIL + timedelta(hours=1), [("P1", 1, 100)], store="M")
    return made


@pytest.fixture
def snap(engine: Engine, orders: list, tmp_path: Path) -> Snapshot:
    snapshot = Snapshot(tmp_path / "times.duckdb")
    snapshot.refresh(engine)
    return snapshot


def _cells(made: list) -> Counter:
    return Counter(
        (when.astimezone(ZoneInfo(zone)).isoweekday(), when.astimezone(ZoneInfo(zone)).hour)
        for _, zone, _, when, _ in made
    )


def _report(snap: Snapshot, name: str, by: str = "total", **filters: str):
    query = Query(Period(SINCE, UNTIL), Filters(**filters), by)
    return run(snap, report_analysis(name, ReportOptions()), query)


def test_heatmap_equals_an_independent_count(snap: Snapshot, orders: list) -> None:
    report = _report(snap, "purchase_times")
    got = Counter({(r["weekday"], r["hour"]): r["receipts"] for r in report.records()})
    assert got == _cells(orders)
    revenue = sum(r["revenue_minor"] for r in report.records())
    assert revenue == sum(total for *_, total in orders)


def test_heatmap_breaks_down_and_filters(snap: Snapshot, orders: list) -> None:
    by_channel = _report(snap, "purchase_times", by="channel").records()
    for channel in ("store", "web"):
        got = Counter(
            {
                (r["weekday"], r["hour"]): r["receipts"]
                for r in by_channel
                if r["channel"] == channel
            }
        )
        assert got == _cells([o for o in orders if o[0] == channel])
    in_v = _report(snap, "purchase_times", store="V").records()
    assert Counter({(r["weekday"], r["hour"]): r["receipts"] for r in in_v}) == _cells(
        [o for o in orders if o[2] == "V"]
    )


def test_places_by_city_and_store(snap: Snapshot, orders: list) -> None:
    rows = {(r["city"], r["store"]): r for r in _report(snap, "purchase_places").records()}
    expected = Counter()
    for _, zone, store, _, total in orders:
        city = f"City {store}" if store else ("City V" if zone == ZONES["V"] else "(unknown)")
        expected[city, store or "(no store)"] += total
    assert {key: r["revenue_minor"] for key, r in rows.items()} == dict(expected)
    assert sum(r["revenue_share"] for r in rows.values()) == pytest.approx(1, abs=1e-3)
