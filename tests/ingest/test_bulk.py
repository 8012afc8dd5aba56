"""Bulk import into SQLite and PostgreSQL: every channel lands, rows read back through the ORM,
bad rows are reported and do not stop good ones, and re-imports change nothing."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from ingest_samples import EXPECTED_RECORDS, POS, table_counts, write_csv, write_parquet_exports
from sqlalchemy import Engine, select

from omnicrm.core.settings import get_settings
from omnicrm.ingest.bulk import UnreadableFile, import_directory, import_file
from omnicrm.store.db import make_engine, read_session
from omnicrm.store.migrate import upgrade
from omnicrm.store.schema import (
    Consent,
    Customer,
    Event,
    Fulfilment,
    Identifier,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    RecordIdentifier,
    RejectedRow,
    Return,
    ReturnLine,
)


def test_every_channel_is_imported(engine: Engine, exports: Path) -> None:
    report = import_directory(engine, exports)
    assert {s: c.records for s, c in report.sources.items()} == EXPECTED_RECORDS
    assert report.total.rejected == 0, report.errors
    assert report.sources["pos"].lines == 4  # three sold, one returned
    counts = table_counts(engine)
    assert counts["orders"] == 6  # 2 POS sales, web, app, call centre, marketplace
    assert counts["returns"] == 2  # a POS return receipt and an online return
    assert counts["events"] == 10


def test_bulk_rows_read_back_through_the_orm(engine: Engine, exports: Path) -> None:
    import_directory(engine, exports)
    with read_session(engine) as s:
        sale = s.scalars(select(Order).where(Order.source_key == "S002/1/0001")).one()
        assert sale.placed_at == datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
        assert (sale.subtotal_minor, sale.discount_minor, sale.total_minor) == (437900, 0, 437900)
        assert sale.customer_id is None  # identity resolution is a later stage
        assert s.scalars(select(OrderLine.qty).where(OrderLine.order_id == sale.id)).all() == [2, 1]
        assert s.scalars(select(Payment.method).where(Payment.order_id == sale.id)).all() == [
            "card",
            "points",
        ]
        assert s.get(Fulfilment, sale.id).kind == "in_store"

        web = s.scalars(select(Order).where(Order.source == "web")).one()
        assert web.status == "delivered"  # from the delivery feed, the latest status
        history = s.scalars(
            select(OrderStatus).where(OrderStatus.order_id == web.id).order_by(OrderStatus.at)
        )
        assert [(h.status, h.source) for h in history] == [
            ("created", "web"),
            ("paid", "web"),
            ("shipped", "delivery"),
            ("delivered", "delivery"),
        ]
        idents = s.execute(
            select(RecordIdentifier.kind, RecordIdentifier.value, RecordIdentifier.raw).where(
                RecordIdentifier.record_type == "order", RecordIdentifier.record_id == web.id
            )
        ).all()
        assert ("email", "anna.ivanova@mail.ru", "Anna.Ivanova@Mail.ru") in idents

        pos_return = s.scalars(select(Return).where(Return.source == "pos")).one()
        line = s.scalars(select(ReturnLine).where(ReturnLine.return_id == pos_return.id)).one()
        assert (line.order_id, line.order_line_no, line.amount_minor) == (sale.id, 1, 199000)
        assert pos_return.returned_at == datetime(2025, 3, 5, 6, 0, tzinfo=UTC)

        anna = s.scalars(select(Customer).where(Customer.source_key == "2000000123456")).one()
        assert anna.birth_date == date(1990, 5, 17)
        assert anna.enrolled_at == datetime(2024, 1, 10, 7, 0, tzinfo=UTC)
        owned = s.execute(
            select(Identifier.kind, Identifier.value).where(Identifier.customer_id == anna.id)
        ).all()
        assert set(owned) == {
            ("card", "2000000123456"),
            ("phone", "+79162206393"),
            ("email", "anna.ivanova@mail.ru"),
        }
        consents = s.execute(
            select(Consent.channel, Consent.granted).where(Consent.customer_id == anna.id)
        ).all()
        assert set(consents) == {("email", True), ("sms", False)}

        view = s.scalars(select(Event).where(Event.source_key == "we1")).one()
        assert view.occurred_at == datetime(2025, 3, 1, 8, 59, tzinfo=UTC)
        assert view.attrs == {
            "url": "/p/SKU1",
            "utm_source": "yandex",
            "utm_medium": "cpc",
            "utm_campaign": "spring",
        }


def test_bad_rows_are_reported_and_good_ones_kept(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    import_file(engine, exports / "stores.csv")
    import_file(engine, exports / "products.csv")
    bad_qty = [*POS[2][:9], "x", *POS[2][10:]]
    rows = [
        POS[0],
        POS[1],
        bad_qty,
        POS[3],
        [*POS[3][:2], "0009", *POS[3][3:8], "NOPE", *POS[3][9:]],
    ]
    report = import_file(engine, write_csv(tmp_path / "pos_receipts.csv", rows))
    counts = report.sources["pos"]
    assert (counts.records, counts.inserted, counts.rejected) == (3, 1, 2)
    assert {(e.row_no, e.field) for e in report.errors} == {
        (3, "lines[1].qty"),
        (5, "lines[0].sku"),
    }
    with read_session(engine) as s:
        stored = s.execute(
            select(RejectedRow.row_no, RejectedRow.field, RejectedRow.file_name)
        ).all()
        assert set(stored) == {
            (3, "lines[1].qty", "pos_receipts.csv"),
            (5, "lines[0].sku", "pos_receipts.csv"),
        }
        raw = s.scalars(select(RejectedRow.raw).where(RejectedRow.row_no == 5)).one()
        assert '"NOPE"' in raw


def test_reimport_changes_nothing(
    engine: Engine, exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_directory(engine, exports)
    before = table_counts(engine)
    again = import_directory(engine, exports)
    assert again.total.inserted == 0
    assert again.total.rejected == 0
    assert table_counts(engine) == before
    # cut differently, the batches are new but every record is already there
    monkeypatch.setattr(get_settings(), "import_batch_size", 1)
    recut = import_directory(engine, exports)
    assert recut.total.inserted == 0
    assert recut.total.duplicates == sum(EXPECTED_RECORDS.values())
    after = table_counts(engine)
    assert {k: v for k, v in after.items() if k != "import_batches"} == {
        k: v for k, v in before.items() if k != "import_batches"
    }


def test_reference_data_is_upserted(engine: Engine, exports: Path, tmp_path: Path) -> None:
    import_file(engine, exports / "stores.csv")
    changed = [row[:] for row in __import__("ingest_samples").STORES]
    changed[1][1] = "Омни Москва (новый)"
    report = import_file(engine, write_csv(tmp_path / "stores.csv", changed))
    assert (report.sources["stores"].updated, report.sources["stores"].duplicates) == (1, 1)


def test_delivery_for_an_unknown_order_is_rejected(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "delivery_status.csv",
        [
            ["order_ref", "status", "at", "carrier", "pickup_point"],
            ["W404", "shipped", "2025-03-02T09:00:00+03:00", "", ""],
        ],
    )
    report = import_file(engine, path)
    assert report.sources["delivery"].rejected == 1
    assert report.errors[0].field == "order_ref"


def test_unreadable_files(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile):
        import_file(engine, tmp_path / "nothing.csv", source="pos")
    odd = tmp_path / "mystery.csv"
    odd.write_text("a,b\n1,2\n")
    with pytest.raises(UnreadableFile, match="known export"):
        import_file(engine, odd)
    headless = write_csv(tmp_path / "pos_receipts.csv", [["store_code", "sku"], ["S001", "SKU1"]])
    with pytest.raises(UnreadableFile, match=r"lacks the required column.*terminal_id"):
        import_file(engine, headless)


def test_parquet_gives_the_same_result_as_csv_and_jsonl(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    parquet = write_parquet_exports(exports, tmp_path / "parquet")
    report = import_directory(engine, parquet)
    assert report.total.rejected == 0, report.errors
    reference = make_engine(f"sqlite:///{tmp_path / 'csv.db'}")
    upgrade(reference)
    import_directory(reference, exports)
    assert _content(engine) == _content(reference)
    reference.dispose()


def _content(engine: Engine) -> dict[str, list]:
    """What was stored, without ids: equal content whatever the file format or backend."""
    with read_session(engine) as s:
        orders = s.execute(
            select(
                Order.source,
                Order.source_key,
                Order.placed_at,
                Order.status,
                Order.total_minor,
                Order.contact_name,
            ).order_by(Order.source, Order.source_key)
        ).all()
        lines = s.execute(
            select(Order.source_key, OrderLine.line_no, OrderLine.qty, OrderLine.amount_minor)
            .join(Order, Order.id == OrderLine.order_id)
            .order_by(Order.source_key, OrderLine.line_no)
        ).all()
        events = s.execute(
            select(
                Event.source, Event.source_key, Event.kind, Event.occurred_at, Event.attrs
            ).order_by(Event.source, Event.source_key)
        ).all()
        idents = s.execute(
            select(
                RecordIdentifier.record_type, RecordIdentifier.kind, RecordIdentifier.value
            ).order_by(RecordIdentifier.record_type, RecordIdentifier.kind, RecordIdentifier.value)
        ).all()
        customers = s.execute(
            select(Customer.source_key, Customer.birth_date).order_by(Customer.source_key)
        ).all()
    return {
        "orders": orders,
        "lines": lines,
        "events": events,
        "idents": idents,
        "customers": customers,
    }
