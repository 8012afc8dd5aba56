"""Small hand-made exports of every channel, in the CHANNELS.md shapes, for ingest tests."""

import csv
import io
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Engine, func, select

from omnicrm.ingest.catalog import Catalog, StoreRef
from omnicrm.store.db import read_session
from omnicrm.store.schema import (
    Consent,
    Customer,
    Event,
    Fulfilment,
    Identifier,
    ImportBatch,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    RecordIdentifier,
    RejectedRow,
    Return,
    ReturnLine,
)

STORES = [
    ["store_code", "name", "city", "region", "timezone", "kind", "opened_on"],
    ["S001", "Омни Москва", "Москва", "Москва", "Europe/Moscow", "store", "2020-01-01"],
    [
        "S002",
        "Омни Екатеринбург",
        "Екатеринбург",
        "Свердловская область",
        "Asia/Yekaterinburg",
        "store",
        "",
    ],
]
PRODUCTS = [
    ["sku", "name", "category_path", "brand", "price_minor", "currency"],
    ["SKU1", "Туфли", "Обувь/Женская/Туфли", "Лисада", "199000", "RUB"],
    ["SKU2", "Крем", "Косметика/Уход/Крем", "", "39900", "RUB"],
]
MEMBERS = [
    [
        "card_no",
        "issued_at",
        "store_code",
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "gender",
        "phone",
        "email",
        "city",
        "consent_email",
        "consent_sms",
        "consent_push",
        "consent_at",
    ],
    [
        "2000000123456",
        "2024-01-10T10:00:00+03:00",
        "S001",
        "Иванова",
        "Анна",
        "",
        "1990-05-17",
        "F",
        "8 916 220 63 93",
        "Anna.Ivanova@Mail.ru",
        "Москва",
        "1",
        "0",
        "",
        "2024-01-10T10:01:00+03:00",
    ],
    [
        "2000000654321",
        "2024-02-01T09:00:00+05:00",
        "",
        "Петров",
        "Пётр",
        "",
        "",
        "M",
        "+79161112233",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]
POS = [
    [
        "store_code",
        "terminal_id",
        "receipt_no",
        "op",
        "ts_local",
        "card_no",
        "payments",
        "line_no",
        "sku",
        "qty",
        "price_minor",
        "discount_minor",
        "amount_minor",
        "orig_receipt_no",
        "orig_line_no",
    ],
    [
        "S002",
        "1",
        "0001",
        "sale",
        "2025-03-01 10:00:00",
        "2000000123456",
        "card=400000;points=37900",
        "1",
        "SKU1",
        "2",
        "199000",
        "0",
        "398000",
        "",
        "",
    ],
    [
        "S002",
        "1",
        "0001",
        "sale",
        "2025-03-01 10:00:00",
        "2000000123456",
        "card=400000;points=37900",
        "2",
        "SKU2",
        "1",
        "39900",
        "0",
        "39900",
        "",
        "",
    ],
    [
        "S001",
        "3",
        "0002",
        "sale",
        "2025-03-01 12:30:00",
        "",
        "cash=35910",
        "1",
        "SKU2",
        "1",
        "39900",
        "3990",
        "35910",
        "",
        "",
    ],
    [
        "S002",
        "1",
        "0003",
        "return",
        "2025-03-05 11:00:00",
        "2000000123456",
        "card=199000",
        "1",
        "SKU1",
        "1",
        "199000",
        "0",
        "199000",
        "S002/1/0001",
        "1",
    ],
]
WEB_ORDER = {
    "order_id": "W1",
    "created_at": "2025-03-01T12:04:11+03:00",
    "customer": {
        "email": "Anna.Ivanova@Mail.ru",
        "phone": "+7 (916) 220-63-93",
        "name": "Анна Иванова",
        "cookie": "c-9f2",
        "device_id": None,
        "card_no": "2000000123456",
    },
    "utm": {"source": "yandex", "medium": "cpc", "campaign": "spring"},
    "items": [
        {"line_no": 1, "sku": "SKU1", "qty": 2, "price": "1990.00", "discount": "199.00"},
        {"line_no": 2, "sku": "SKU2", "qty": 1, "price": "399.00", "discount": "0.00"},
    ],
    "payments": [{"method": "card", "amount": "4280.00"}],
    "delivery": {
        "type": "courier",
        "store_code": None,
        "pickup_point": None,
        "address": "Москва, ул. Ленина, д. 5, кв. 12",
        "cost": "100.00",
    },
    "status_history": [
        {"status": "created", "at": "2025-03-01T12:04:11+03:00"},
        {"status": "paid", "at": "2025-03-01T12:05:00+03:00"},
    ],
}
APP_ORDER = {
    **WEB_ORDER,
    "order_id": "A1",
    "customer": {
        "email": None,
        "phone": "89161112233",
        "name": "Пётр",
        "cookie": None,
        "device_id": "D-1",
        "card_no": None,
    },
    "utm": None,
    "items": [{"line_no": 1, "sku": "SKU2", "qty": 1, "price": "399.00", "discount": "0.00"}],
    "payments": [{"method": "card", "amount": "399.00"}],
    "delivery": {
        "type": "click_and_collect",
        "store_code": "S001",
        "pickup_point": None,
        "address": None,
        "cost": "0.00",
    },
}
CALLCENTRE = [
    [
        "order_ref",
        "created_at",
        "caller_number",
        "customer_name",
        "delivery_type",
        "store_code",
        "address",
        "line_no",
        "sku",
        "qty",
        "price_minor",
        "discount_minor",
    ],
    [
        "CC1",
        "2025-03-02T10:00:00+03:00",
        "89162206393",
        "Анна",
        "courier",
        "",
        "Москва, ул. Мира, 1",
        "1",
        "SKU2",
        "3",
        "39900",
        "900",
    ],
]
MARKETPLACE = [
    [
        "posting_number",
        "order_date",
        "buyer_id",
        "buyer_phone",
        "buyer_name",
        "delivery_type",
        "pickup_point",
        "line_no",
        "offer_id",
        "qty",
        "price",
        "status",
    ],
    [
        "P-1",
        "03.03.2025 10:29",
        "323073021",
        "+7 (916) ***-**-93",
        "Анна И.",
        "pickup_point",
        "ПВЗ-1",
        "1",
        "SKU1",
        "1",
        "1 990,00",
        "delivered",
    ],
    [
        "P-1",
        "03.03.2025 10:29",
        "323073021",
        "+7 (916) ***-**-93",
        "Анна И.",
        "pickup_point",
        "ПВЗ-1",
        "2",
        "SKU2",
        "2",
        "399,50",
        "returned",
    ],
]
DELIVERY = [
    ["order_ref", "status", "at", "carrier", "pickup_point"],
    ["W1", "shipped", "2025-03-02T09:00:00+03:00", "Курьер", ""],
    ["W1", "delivered", "2025-03-03T15:00:00+03:00", "Курьер", ""],
]
RETURNS = [
    [
        "return_id",
        "order_ref",
        "line_no",
        "qty",
        "amount_minor",
        "reason",
        "returned_at",
        "store_code",
    ],
    ["R1", "W1", "1", "1", "179100", "Не подошёл размер", "2025-03-10T10:00:00+03:00", "S001"],
]
WEB_EVENTS = [
    {
        "event_id": "we1",
        "ts": "2025-03-01T11:59:00+03:00",
        "cookie": "c-9f2",
        "type": "product_view",
        "url": "/p/SKU1",
        "sku": "SKU1",
        "query": None,
        "utm_source": "yandex",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
        "email": None,
    },
    {
        "event_id": "we2",
        "ts": "2025-03-01T12:00:00+03:00",
        "cookie": "c-9f2",
        "type": "search",
        "url": "/s",
        "sku": None,
        "query": "туфли",
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "email": "Anna.Ivanova@Mail.ru",
    },
]
APP_EVENTS = [
    {
        "event_id": "ae1",
        "ts": 1740819600000,
        "device_id": "D-1",
        "type": "app_open",
        "sku": None,
        "query": None,
        "phone": "89161112233",
        "card_no": None,
    },
]
CALLS = [
    ["call_id", "started_at", "caller_number", "agent_id", "topic", "duration_s", "order_ref"],
    ["CALL1", "2025-03-02T09:58:00+03:00", "89162206393", "ag7", "order", "180", "CC1"],
]
MESSAGES = [
    ["message_id", "channel", "address", "campaign", "event", "at"],
    ["M1", "email", "Anna.Ivanova@Mail.ru", "spring", "sent", "2025-03-01T09:00:00+03:00"],
    ["M1", "email", "Anna.Ivanova@Mail.ru", "spring", "opened", "2025-03-01T09:30:00+03:00"],
    ["M2", "sms", "8 916 111 22 33", "spring", "delivered", "2025-03-01T09:00:05+03:00"],
]
WIFI = [
    ["store_code", "mac_hash", "first_seen", "last_seen", "rssi"],
    ["S001", "AB" * 32, "2025-03-01T12:00:00+03:00", "2025-03-01T12:20:00+03:00", "-60"],
]
CAMERA = [
    ["store_code", "camera_id", "face_token", "seen_at", "age_band", "gender"],
    ["S001", "cam1", "face-77", "2025-03-01T12:05:00+03:00", "25-34", "F"],
]
SURVEYS = [
    [
        "response_id",
        "survey",
        "channel",
        "order_ref",
        "phone",
        "email",
        "score",
        "comment",
        "answered_at",
    ],
    [
        "NPS1",
        "nps",
        "email",
        "W1",
        "",
        "anna.ivanova@mail.ru",
        "9",
        "Спасибо",
        "2025-03-04T10:00:00+03:00",
    ],
]

FILES = {
    "stores.csv": STORES,
    "products.csv": PRODUCTS,
    "loyalty_members.csv": MEMBERS,
    "pos_receipts.csv": POS,
    "web_orders.jsonl": [WEB_ORDER],
    "app_orders.jsonl": [APP_ORDER],
    "call_centre_orders.csv": CALLCENTRE,
    "marketplace_orders.csv": MARKETPLACE,
    "delivery_status.csv": DELIVERY,
    "returns.csv": RETURNS,
    "web_events.jsonl": WEB_EVENTS,
    "app_events.jsonl": APP_EVENTS,
    "call_log.csv": CALLS,
    "messages.csv": MESSAGES,
    "wifi_sightings.csv": WIFI,
    "camera_faces.csv": CAMERA,
    "survey_answers.csv": SURVEYS,
}
EXPECTED_RECORDS = {
    "stores": 2,
    "products": 2,
    "members": 2,
    "pos": 3,
    "web": 1,
    "app": 1,
    "callcentre": 1,
    "marketplace": 1,
    "delivery": 2,
    "returns": 1,
    "web_events": 2,
    "app_events": 1,
    "calls": 1,
    "messages": 3,
    "wifi": 1,
    "camera": 1,
    "surveys": 1,
}

CATALOG = Catalog(
    {"S001": StoreRef(1, "Europe/Moscow"), "S002": StoreRef(2, "Asia/Yekaterinburg")},
    {"SKU1": 11, "SKU2": 12},
)
"""The references of the samples, for validator tests without a database."""


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    delimiter = ";" if path.name.startswith("marketplace") else ","
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_jsonl(path: Path, objects: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objects))
    return path


def write_exports(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in FILES.items():
        (write_jsonl if name.endswith(".jsonl") else write_csv)(directory / name, content)  # type: ignore[operator]
    return directory


def write_parquet_exports(source_dir: Path, directory: Path) -> Path:
    """The same exports as Parquet: CSV columns typed by inference, JSON objects nested."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in sorted(source_dir.iterdir()):
        target = directory / f"{path.stem}.parquet"
        if path.suffix == ".csv":
            delimiter = ";" if path.name.startswith("marketplace") else ","
            table = pacsv.read_csv(
                path,
                parse_options=pacsv.ParseOptions(delimiter=delimiter),
                convert_options=pacsv.ConvertOptions(column_types={"receipt_no": pa.string()}),
            )
        else:
            table = pa.Table.from_pylist(
                [orjson.loads(line) for line in path.read_bytes().splitlines()]
            )
        pq.write_table(table, target)
    return directory


def rows_of(rows: list[list[str]]) -> list[dict[str, str]]:
    """CSV rows as the dicts a reader makes of them."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return list(csv.DictReader(io.StringIO(buffer.getvalue())))


# The tables ingest writes: equal counts after a rerun mean nothing changed.
COUNTED = (
    Customer,
    Identifier,
    Consent,
    Order,
    OrderLine,
    Payment,
    Fulfilment,
    OrderStatus,
    Return,
    ReturnLine,
    Event,
    RecordIdentifier,
    ImportBatch,
    RejectedRow,
)


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table that ingest writes: equal counts after a rerun mean nothing changed."""
    with read_session(engine) as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in COUNTED
        }
