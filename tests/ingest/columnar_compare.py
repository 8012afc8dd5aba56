"""The check behind every columnar plan: a file imported column-wise and record by record
stores the same rows and reports the same counts and errors."""

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_samples import PRODUCTS, write_csv
from sqlalchemy import Engine, select

from omnicrm.ingest import batches
from omnicrm.ingest.batches import source_of
from omnicrm.ingest.bulk import ImportReport, import_file
from omnicrm.store.db import make_engine, read_session
from omnicrm.store.migrate import upgrade
from omnicrm.store.schema import (
    Fulfilment,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    RecordIdentifier,
    RejectedRow,
    Return,
    ReturnLine,
)


def _import(engine: Engine, path: Path, columnar: bool, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with monkeypatch.context() as patch:
        if not columnar:
            patch.setattr(batches, "PLANS", {})
        return import_file(engine, path, workers=1)


def _stored(engine: Engine) -> dict[str, list]:
    """Everything an order import writes, without ids."""
    key = Order.source_key
    with read_session(engine) as s:

        def rows(*columns, join=None, order=None):  # type: ignore[no-untyped-def]
            query = select(*columns)
            if join is not None:
                query = query.join(Order, Order.id == join)
            return sorted(tuple(r) for r in s.execute(query).all())

        return {
            "orders": rows(
                key,
                Order.channel,
                Order.store_id,
                Order.placed_at,
                Order.status,
                Order.currency,
                Order.subtotal_minor,
                Order.discount_minor,
                Order.total_minor,
                Order.contact_name,
                Order.utm_source,
                Order.utm_medium,
                Order.utm_campaign,
            ),
            "lines": rows(
                key,
                OrderLine.line_no,
                OrderLine.product_id,
                OrderLine.qty,
                OrderLine.unit_price_minor,
                OrderLine.discount_minor,
                OrderLine.amount_minor,
                join=OrderLine.order_id,
            ),
            "payments": rows(
                key, Payment.seq, Payment.method, Payment.amount_minor, join=Payment.order_id
            ),
            "fulfilments": rows(
                key,
                Fulfilment.kind,
                Fulfilment.store_id,
                Fulfilment.pickup_point,
                Fulfilment.address,
                Fulfilment.cost_minor,
                join=Fulfilment.order_id,
            ),
            "status": rows(
                key,
                OrderStatus.status,
                OrderStatus.at,
                OrderStatus.source,
                join=OrderStatus.order_id,
            ),
            "idents": rows(
                key,
                RecordIdentifier.record_type,
                RecordIdentifier.kind,
                RecordIdentifier.value,
                RecordIdentifier.raw,
                join=RecordIdentifier.record_id,
            ),
            "returns": rows(Return.source_key, Return.returned_at, Return.total_minor),
            "return_lines": rows(
                ReturnLine.line_no,
                ReturnLine.order_line_no,
                ReturnLine.qty,
                ReturnLine.amount_minor,
            ),
            "errors": rows(
                RejectedRow.row_no, RejectedRow.field, RejectedRow.message, RejectedRow.raw
            ),
        }


def same_import(
    engine: Engine,
    path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stores: list[list[str]],
    setup: Callable[[Engine], None] | None = None,
) -> ImportReport:
    """``path`` imported column-wise into ``engine`` and record by record into a fresh SQLite
    database (both first given ``stores``, the products and ``setup``) stores the same rows and
    reports the same counts, errors and suppressed rows; a rerun adds none. The column-wise
    report comes back."""
    slow = make_engine(f"sqlite:///{tmp_path / 'slow.db'}")
    upgrade(slow)
    for target in (engine, slow):
        import_file(target, write_csv(tmp_path / "stores.csv", stores))
        import_file(target, write_csv(tmp_path / "products.csv", PRODUCTS))
        if setup is not None:
            setup(target)
    fast_report = _import(engine, path, True, monkeypatch)
    slow_report = _import(slow, path, False, monkeypatch)
    source = source_of(path).name
    fast, slow_counts = _counts(fast_report, source), _counts(slow_report, source)
    if fast_report.skipped_batches:  # resumed record by record: its own batches count as done
        assert fast[::3] == slow_counts[::3]
    else:
        assert fast == slow_counts
    for listed in ("errors", "suppressed"):
        fast_rows, slow_rows = getattr(fast_report, listed), getattr(slow_report, listed)
        assert sorted(fast_rows, key=repr) == sorted(slow_rows, key=repr)
    assert _stored(engine) == _stored(slow)
    again = _import(engine, path, True, monkeypatch)
    assert again.total.inserted == 0
    slow.dispose()
    return fast_report


def _counts(report, source: str):  # type: ignore[no-untyped-def]
    c = report.sources[source]
    return (c.records, c.inserted, c.duplicates, c.rejected, c.lines, c.suppressed)
