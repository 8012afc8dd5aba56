"""The columnar path of the web shop's and the app's JSON orders accepts and rejects exactly
what ``online_order_validator`` does: crafted orders (plain, odd but valid, and bad in every
field) imported column-wise and record by record store the same rows and report the same
errors, across batch boundaries, with batches that do not parse column-wise in between."""

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from columnar_compare import same_import
from ingest_samples import PRODUCTS, WEB_ORDER, write_csv
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from omnicrm.core.settings import get_settings
from omnicrm.ingest.bulk import import_file
from omnicrm.ingest.catalog import load_catalog
from omnicrm.ingest.columnar.json_frames import JsonFrameReader
from omnicrm.ingest.columnar.plans import PLANS
from omnicrm.ingest.sources import SOURCES
from omnicrm.privacy.suppression import digest
from omnicrm.store.schema import Customer, Erasure, Order, Suppression

STORES = [
    ["store_code", "name", "city", "region", "timezone", "kind", "opened_on"],
    ["S001", "Москва", "Москва", "Москва", "Europe/Moscow", "store", ""],
]
PLAIN: dict[str, Any] = {
    **WEB_ORDER,  # its delivery (cost 100.00) and status history
    "order_id": "W",
    "customer": {
        "email": "anna@mail.ru",
        "phone": "+79162206393",
        "name": "Анна Иванова",
        "cookie": "c-9f2",
        "device_id": None,
        "card_no": "2000000123456",
    },
    "utm": None,
    "items": [{"line_no": 1, "sku": "SKU1", "qty": 2, "price": "1990.00", "discount": "199.00"}],
    "payments": [{"method": "card", "amount": "3881.00"}],
}

Change = Callable[[dict[str, Any]], None]


def put(path: str, value: Any) -> Change:
    """Set ``a.b.0.c`` (list positions as numbers) in an order."""

    def change(order: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = order
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list) and int(last) == len(target):
            target.append(value)
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def drop(path: str) -> Change:
    def change(order: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = order
        for part in parents:
            target = target[part]
        del target[last]

    return change


LINE2 = {"line_no": 2, "sku": "SKU2", "qty": 1, "price": "399.00", "discount": None}
# (plain?, changes): each entry one order, numbered W0, W1, ... unless it names its own id.
ORDERS: list[tuple[bool, list[Change]]] = [
    (True, []),
    (True, [put("utm", {"source": "yandex", "medium": "cpc", "campaign": "spring"})]),
    (True, [put("utm", {"source": "yandex"}), put("currency", "USD")]),
    (True, [put("customer", {}), put("payments", [])]),
    (True, [put("customer.phone", "8(914)135-70-39"), put("customer.email", "Anna@Mail.RU")]),
    (True, [put("customer.name", None), put("customer.card_no", "")]),
    (True, [put("payments", None), drop("utm"), put("currency", "")]),
    (True, [put("items.1", LINE2), put("payments.0.amount", "4280.00")]),
    (
        True,
        [
            put("payments.0.amount", "1000.00"),
            put("payments.1", {"method": "cash", "amount": "2881.00"}),
        ],
    ),
    (True, [put("delivery.type", "click_and_collect"), put("delivery.store_code", "S001")]),
    (True, [put("delivery.store_code", "S001")]),  # a courier from a store: the store is kept
    (
        True,
        [put("delivery.type", "pickup_point"), put("delivery.pickup_point", "PP1")],
    ),
    (True, [put("delivery.cost", None), put("payments.0.amount", "3781.00")]),
    (True, [put("items.0.discount", None), put("payments.0.amount", "4080.00")]),
    (True, [put("status_history", list(reversed(PLAIN["status_history"])))]),  # sorted by time
    (True, [put("status_history.1.at", "2025-03-01T12:04:11+03:00")]),  # same time: file order
    (True, [put("created_at", "2025-03-01T04:04:11-05:30")]),
    (True, [put("customer.extra", "ignored"), put("note", {"any": [1, "x"]})]),
    (False, [put("created_at", "2025-03-01T12:04:11Z")]),  # valid, not the plain spelling
    (False, [put("created_at", "2025-03-01 12:04:11+03:00")]),
    (False, [put("created_at", "2025-03-01T12:04:11.5+03:00")]),
    (False, [put("created_at", "2025-02-30T12:04:11+03:00")]),
    (False, [put("created_at", "2025-03-01T12:04:11")]),
    (False, [put("created_at", "2099-03-01T12:04:11+03:00")]),
    (False, [put("created_at", "")]),
    (False, [put("order_id", " PADDED ")]),
    (False, [put("order_id", "")]),
    (False, [put("order_id", "X" * 129)]),
    (False, [put("currency", "RUBX")]),
    (False, [put("currency", " USD")]),
    (False, [put("customer", None)]),
    (False, [put("customer.phone", "abc")]),
    (False, [put("customer.email", "not-an-email")]),
    (False, [put("customer.card_no", "12 34")]),
    (False, [put("customer.name", " Анна")]),
    (False, [put("customer.name", "Я" * 201)]),
    (False, [put("utm", {"source": "x" * 101})]),
    (False, [put("items", [])]),
    (False, [put("items", None)]),
    (False, [put("items.0", None)]),
    (False, [put("items.0.qty", 0)]),
    (False, [put("items.0.qty", -1)]),
    (False, [put("items.0.line_no", 0)]),
    (False, [put("items.0.line_no", None)]),
    (False, [put("items.0.sku", "NOPE")]),
    (False, [put("items.0.sku", " SKU1")]),
    (False, [put("items.0.price", "1990")]),  # valid (199000), not plain
    (False, [put("items.0.price", "1 990,00")]),
    (False, [put("items.0.price", "-1990.00")]),
    (False, [put("items.0.price", "19.905")]),
    (False, [put("items.0.price", "abc")]),
    (False, [put("items.0.price", None)]),
    (False, [put("items.0.discount", "5000.00")]),  # more than qty * price
    (False, [put("items.1", {**PLAIN["items"][0]})]),  # line 1 twice
    (False, [put("payments.0.method", "crypto")]),
    (False, [put("payments.0.amount", "3880.00")]),
    (False, [put("payments.0", None)]),
    (False, [put("delivery", None)]),
    (False, [put("delivery.type", "drone")]),
    (False, [put("delivery.type", "click_and_collect")]),  # names no store
    (False, [put("delivery.store_code", "S404")]),
    (False, [put("delivery.pickup_point", "P" * 65)]),
    (False, [put("delivery.address", " Москва")]),
    (False, [put("delivery.cost", "free")]),
    (False, [put("status_history", [])]),
    (False, [put("status_history.0.status", "lost")]),
    (False, [put("status_history.1", PLAIN["status_history"][0])]),  # the same change twice
    (False, [put("status_history.1.at", "2099-03-01T12:05:00+03:00")]),
    (True, [put("order_id", "DUP")]),  # plain, but the key repeats: both go to the validator
    (True, [put("order_id", "DUP"), put("currency", "USD")]),
]


def _orders(source: str) -> list[dict[str, Any]]:
    orders = []
    for n, (_, changes) in enumerate(ORDERS):
        order = copy.deepcopy({**PLAIN, "order_id": f"{source[0].upper()}{n}"})
        for change in changes:
            change(order)
        orders.append(order)
    return orders


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def _path(tmp_path: Path, source: str) -> Path:
    return tmp_path / f"{SOURCES[source].file_stem}.jsonl"


@pytest.mark.parametrize("source", ["web", "app"])
@pytest.mark.parametrize("batch_size", [5000, 4])
def test_fast_path_stores_and_reports_what_the_validator_does(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    batch_size: int,
) -> None:
    monkeypatch.setattr(get_settings(), "import_batch_size", batch_size)
    path = _write(_path(tmp_path, source), [orjson.dumps(o) for o in _orders(source)])
    same_import(engine, path, tmp_path, monkeypatch, STORES)


def test_batches_that_do_not_parse_column_wise_go_to_the_validator(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value of another JSON type, a key twice, a line that is no object or no JSON, a byte
    order mark, bytes that are not UTF-8: the batch holding it is validated record by record,
    the batches around it column-wise."""
    monkeypatch.setattr(get_settings(), "import_batch_size", 2)
    lines = [orjson.dumps(o) for o in _orders("web")[:12]]
    odd = [
        orjson.dumps({**PLAIN, "order_id": "Q1", "items": [{**PLAIN["items"][0], "qty": "2"}]}),
        orjson.dumps({**PLAIN, "order_id": "Q2", "created_at": 20250301}),
        b'{"order_id": "Q3", "order_id": "Q4"}',
        b"[1, 2]",
        b"{not json",
        b"\xef\xbb\xbf" + orjson.dumps({**PLAIN, "order_id": "Q6"}),
        orjson.dumps({**PLAIN, "order_id": "Q7"}).replace(b"Q7", b"Q\xff"),
        orjson.dumps({**PLAIN, "order_id": "Q5", "items": [{**PLAIN["items"][0], "qty": 2.0}]}),
        b"",
    ]
    for at, line in zip(range(1, 40, 3), odd, strict=False):
        lines.insert(at, line)
    same_import(engine, _write(_path(tmp_path, "web"), lines), tmp_path, monkeypatch, STORES)


def test_the_plain_orders_are_the_ones_taken_column_wise(engine: Engine, tmp_path: Path) -> None:
    """The plan recognises the plain orders (so the comparison above proves the fast path,
    not the validator twice) and none of the others."""
    import_file(engine, write_csv(tmp_path / "stores.csv", STORES))
    import_file(engine, write_csv(tmp_path / "products.csv", PRODUCTS))
    path = _write(_path(tmp_path, "web"), [orjson.dumps(o) for o in _orders("web")])
    with engine.connect() as conn:
        catalog = load_catalog(conn)
    plan = PLANS["web"]
    (frame,) = JsonFrameReader(path, SOURCES["web"], 5000, plan.json_schema)  # type: ignore[arg-type]
    plain = plan.plain(frame, catalog)
    expected = [n for n, (is_plain, _) in enumerate(ORDERS) if is_plain]
    assert plain.records.tolist() == expected
    assert np.array_equal(plain.lines_per_order, [2 if n == 7 else 1 for n in expected])


def _erase_phone(engine: Engine) -> None:
    """The person with PLAIN's phone was erased: the phone is on the suppression list."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with Session(engine) as session:
        customer = Customer(created_at=now, source="test", source_key="erased")
        session.add(customer)
        session.flush()
        erasure = Erasure(
            customer_id=customer.id,
            profile_ids=[customer.id],
            reason="asked",
            actor="test",
            erased_at=now,
        )
        session.add(erasure)
        session.flush()
        phone = PLAIN["customer"]["phone"]
        session.add(
            Suppression(
                kind="phone",
                digest=digest("phone", phone),
                erasure_id=erasure.id,
                created_at=now,
            )
        )
        session.commit()


def test_an_erased_persons_identifier_is_stripped_as_the_validator_strips_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order loses the phone, its contact name and its delivery address; the report names
    its row; the other orders keep theirs."""
    orders = _orders("web")[:8]
    for order in orders[4:]:
        order["customer"]["phone"] = "+79990000000"
    path = _write(_path(tmp_path, "web"), [orjson.dumps(o) for o in orders])
    report = same_import(engine, path, tmp_path, monkeypatch, STORES, setup=_erase_phone)
    assert [row.row_no for row in report.suppressed] == [1, 2, 3]  # W3 names no phone
    with engine.connect() as conn:
        kept = conn.execute(
            select(Order.source_key).where(Order.contact_name.is_not(None))
        ).scalars()
        assert sorted(kept) == ["W4", "W6", "W7"]  # W5 has no name
