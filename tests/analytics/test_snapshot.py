"""The snapshot reads each store (SQLite and PostgreSQL) and then only what is new."""

from datetime import UTC, datetime

from analytics_shop import Shop
from sqlalchemy import Engine

from omnicrm.analytics.kpi import kpis
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer, OrderStatus


def _count(snapshot: Snapshot, table: str) -> int:
    cursor = snapshot.cursor()
    (n,) = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
    cursor.close()
    return n


def _receipts(snapshot: Snapshot, period: Period) -> int:
    report = run(snapshot, kpis, Query(period))
    return next(r["value"] for r in report.records() if r["kpi"] == "receipts")


def test_refresh_reads_only_new_rows(
    engine: Engine, shop: Shop, snapshot: Snapshot, period: Period
) -> None:
    assert _count(snapshot, "orders") == 11
    assert _count(snapshot, "order_lines") == 12
    assert _receipts(snapshot, period) == 7
    again = snapshot.refresh(engine)
    assert again.rows["orders"] == again.rows["events"] == again.rows["returns"] == 0
    assert again.rows["customers"] == 6  # reference tables are replaced, not appended
    with unit_of_work(engine) as session:
        shop.session = session
        shop.order("C", "store", datetime(2025, 9, 30, tzinfo=UTC), [("P2", 2, 800)], store="S1")
    later = snapshot.refresh(engine)
    assert (later.rows["orders"], later.rows["order_statuses"]) == (1, 1)
    assert _count(snapshot, "orders") == 12
    assert _count(snapshot, "order_lines") == 13
    assert _receipts(snapshot, period) == 8
    cursor = snapshot.cursor()
    feeds = cursor.execute(
        "SELECT refresh_id, from_id, to_id, rows_read FROM snapshot_feeds"
        " WHERE feed = 'orders' ORDER BY refresh_id"
    ).fetchall()
    cursor.close()
    assert [(r, rows) for r, _, _, rows in feeds] == [(1, 11), (2, 0), (3, 1)]
    assert feeds[2][1] == feeds[1][2]  # the third read started where the second ended


def test_late_cancellation_and_merge_reach_the_snapshot(
    engine: Engine, shop: Shop, snapshot: Snapshot, period: Period
) -> None:
    with unit_of_work(engine) as session:
        order_id = session.scalar(
            OrderStatus.__table__.select()
            .with_only_columns(OrderStatus.order_id)
            .where(OrderStatus.status == "created")
            .limit(1)
        )
        session.add(
            OrderStatus(
                order_id=order_id,
                status="cancelled",
                at=datetime(2025, 9, 25, tzinfo=UTC),
                source="delivery",
            )
        )
        c = session.get(Customer, shop.ids["C"])
        assert c is not None
        c.merged_into_id = shop.ids["B"]
    snapshot.refresh(engine)
    assert _receipts(snapshot, period) == 6
    report = run(snapshot, kpis, Query(period))
    buyers = next(r["value"] for r in report.records() if r["kpi"] == "buyers")
    assert buyers == 2  # C's receipts now count for B


def test_full_rebuild_gives_the_same_snapshot(
    engine: Engine, shop: Shop, snapshot: Snapshot, period: Period
) -> None:
    before = run(snapshot, kpis, Query(period)).rows
    report = snapshot.refresh(engine, full=True)
    assert report.full
    assert report.rows["orders"] == 11
    assert run(snapshot, kpis, Query(period)).rows == before
