"""The ``stock`` source: a bulk file and the same records streamed store the same counts; a
repeat changes nothing; a bad count is rejected naming its field, the others going in."""

from datetime import date
from pathlib import Path

from ingest_samples import rows_of, write_csv
from sqlalchemy import Engine, delete, select

from omnicrm.ingest.bulk import import_file
from omnicrm.ingest.stream import ingest_records
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Product, StockLevel, Store

STOCK = [
    ["store_code", "sku", "date", "qty_on_hand"],
    ["S001", "SKU1", "2025-03-31", "12"],
    ["S001", "SKU2", "2025-03-31", "0"],
    ["S002", "SKU1", "2025-04-30", "7"],
]
BAD = [
    ["store_code", "sku", "date", "qty_on_hand"],
    ["S001", "SKU1", "2025-05-31", "-1"],
    ["S009", "SKU1", "2025-05-31", "3"],
    ["S001", "NOPE", "2025-05-31", "3"],
    ["S001", "SKU1", "2999-01-01", "3"],
    ["S002", "SKU2", "2025-05-31", "4"],
]


def stored(engine: Engine) -> list[tuple]:
    with read_session(engine) as session:
        query = (
            select(
                StockLevel.source_key,
                Store.code,
                Product.sku,
                StockLevel.on_date,
                StockLevel.qty_on_hand,
            )
            .join(Store, Store.id == StockLevel.store_id)
            .join(Product, Product.id == StockLevel.product_id)
            .order_by(StockLevel.source_key)
        )
        return [tuple(row) for row in session.execute(query)]


def test_bulk_equals_streaming(engine: Engine, exports: Path, tmp_path: Path) -> None:
    import_file(engine, exports / "stores.csv")
    import_file(engine, exports / "products.csv")
    path = write_csv(tmp_path / "stock_levels.csv", STOCK)
    counts = import_file(engine, path).counts("stock")
    assert (counts.inserted, counts.rejected) == (3, 0)
    bulk = stored(engine)
    assert bulk[0] == ("S001/SKU1/2025-03-31", "S001", "SKU1", date(2025, 3, 31), 12)
    again = ingest_records(engine, "stock", rows_of(STOCK))
    assert [a.status for a in again] == ["duplicate"] * 3
    with unit_of_work(engine) as session:
        session.execute(delete(StockLevel))
    streamed = ingest_records(engine, "stock", rows_of(STOCK))
    assert [a.status for a in streamed] == ["inserted"] * 3
    assert stored(engine) == bulk
    assert import_file(engine, path).counts("stock").duplicates == 3


def test_bad_counts_are_rejected_by_field(engine: Engine, exports: Path, tmp_path: Path) -> None:
    import_file(engine, exports / "stores.csv")
    import_file(engine, exports / "products.csv")
    answers = ingest_records(engine, "stock", rows_of(BAD))
    assert [(a.status, [e.field for e in a.errors]) for a in answers] == [
        ("rejected", ["qty_on_hand"]),
        ("rejected", ["store_code"]),
        ("rejected", ["sku"]),
        ("rejected", ["date"]),
        ("inserted", []),
    ]
    assert [row[0] for row in stored(engine)] == ["S002/SKU2/2025-05-31"]
