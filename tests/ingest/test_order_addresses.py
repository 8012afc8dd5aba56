"""Structured delivery addresses on web, app and call-centre orders (issue 14, item 1): each
part named and limited as the registry's, kept as typed in ``record_addresses`` (record type
``order``) only when the order gave a part, and a bad part rejects the order naming it; the bulk
import and the stream write the same rows."""

import copy
from pathlib import Path

import pytest
from ingest_samples import CALLCENTRE, CATALOG, WEB_ORDER, write_csv, write_jsonl
from sqlalchemy import Engine, select

from omnicrm.core.errors import InvalidRecord
from omnicrm.ingest.bulk import import_file
from omnicrm.ingest.canonical import Address
from omnicrm.ingest.readers import group_rows
from omnicrm.ingest.sources import SOURCES
from omnicrm.ingest.stream import ingest_records
from omnicrm.store.db import read_session
from omnicrm.store.schema import Order, RecordAddress

LINE = "Москва, ул. Ленина, д. 5, кв. 12"
PARTS = {"city": "Москва", "street": "ул. Ленина", "house": "5", "flat": "12", "postcode": "101000"}
PART_COLUMNS = ["region", "city", "street", "house", "flat", "postcode"]


def web_order(order_id: str = "W1", **parts: str) -> dict:
    order = copy.deepcopy(WEB_ORDER)
    order["order_id"] = order_id
    order["delivery"].update(parts)
    return order


def callcentre_rows(**parts: str) -> list[list[str]]:
    """The sample call-centre export with the address-part columns added."""
    header, *body = CALLCENTRE
    return [
        header + PART_COLUMNS,
        *(row + [parts.get(c, "") for c in PART_COLUMNS] for row in body),
    ]


def test_web_parts_become_the_orders_address() -> None:
    order = SOURCES["web"].validate(web_order(**PARTS), CATALOG)
    assert order.address == Address(raw=LINE, **PARTS)
    assert SOURCES["app"].validate(web_order(region=" МО "), CATALOG).address == Address(
        region="МО", raw=LINE
    )
    assert SOURCES["web"].validate(WEB_ORDER, CATALOG).address is None  # the line alone


def test_callcentre_parts_become_the_orders_address() -> None:
    header, *body = callcentre_rows(street="ул. Мира", house="1")
    assert SOURCES["callcentre"].header_problem(header) is None
    (raw,) = [r.data for r in group_rows(enumerate(body, 2), header, SOURCES["callcentre"])]
    order = SOURCES["callcentre"].validate(raw, CATALOG)
    assert order.address == Address(street="ул. Мира", house="1", raw="Москва, ул. Мира, 1")
    problem = SOURCES["callcentre"].header_problem([*header, "door"])
    assert problem is not None
    assert "unknown column(s) door" in problem


@pytest.mark.parametrize(
    ("part", "value"),
    [("street", "x" * 201), ("house", "1" * 41), ("postcode", "1" * 21), ("region", "r" * 101)],
)
def test_a_part_too_long_rejects_the_order_naming_it(part: str, value: str) -> None:
    with pytest.raises(InvalidRecord) as web:
        SOURCES["web"].validate(web_order(**{part: value}), CATALOG)
    assert [e.field for e in web.value.errors] == [f"delivery.{part}"]
    header, *body = callcentre_rows(**{part: value})
    (raw,) = [r.data for r in group_rows(enumerate(body, 2), header, SOURCES["callcentre"])]
    with pytest.raises(InvalidRecord) as phoned:
        SOURCES["callcentre"].validate(raw, CATALOG)
    assert [e.field for e in phoned.value.errors] == [part]


def _stored(engine: Engine) -> set[tuple]:
    with read_session(engine) as s:
        return set(
            s.execute(
                select(
                    Order.source_key, RecordAddress.city, RecordAddress.street,
                    RecordAddress.house, RecordAddress.flat, RecordAddress.postcode,
                    RecordAddress.raw,
                ).join(Order, Order.id == RecordAddress.record_id)
                .where(RecordAddress.record_type == "order")
            ).all()
        )  # fmt: skip


EXPECTED = {
    ("W1", "Москва", "ул. Ленина", "5", "12", "101000", LINE),
    ("CC1", None, "ул. Мира", "1", None, None, "Москва, ул. Мира, 1"),
}


def test_bulk_import_keeps_the_parts_and_rejects_a_bad_one(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    for name in ("stores.csv", "products.csv"):
        import_file(engine, exports / name)
    web = write_jsonl(
        tmp_path / "web_orders.jsonl",
        [web_order(**PARTS), web_order("W2"), web_order("W3", flat="9" * 41)],
    )
    report = import_file(engine, web)
    assert (report.sources["web"].inserted, report.sources["web"].rejected) == (2, 1)
    assert [e.field for e in report.errors] == ["delivery.flat"]
    calls = write_csv(
        tmp_path / "call_centre_orders.csv", callcentre_rows(street="ул. Мира", house="1")
    )
    assert import_file(engine, calls).sources["callcentre"].inserted == 1
    assert _stored(engine) == EXPECTED
    with read_session(engine) as s:
        assert s.scalar(select(Order.id).where(Order.source_key == "W3")) is None


def test_streaming_writes_the_same_rows(engine: Engine, exports: Path) -> None:
    for name in ("stores.csv", "products.csv"):
        import_file(engine, exports / name)
    ingest_records(engine, "web", [web_order(**PARTS), web_order("W2")])
    header, *body = callcentre_rows(street="ул. Мира", house="1")
    raws = [r.data for r in group_rows(enumerate(body, 2), header, SOURCES["callcentre"])]
    ingest_records(engine, "callcentre", raws)
    assert _stored(engine) == EXPECTED
