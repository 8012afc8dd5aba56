"""The export shape of every file, transcribed from docs/CHANNELS.md (the contract).

Column tuples are the exact header (CSV) or top-level key order (JSON Lines). ``record_key`` names
the columns that group consecutive rows into one raw record for multi-row sources.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileSpec:
    stem: str
    source: str
    kind: str  # "csv" | "jsonl"
    columns: tuple[str, ...]
    delimiter: str = ","
    record_key: tuple[str, ...] | None = None

    @property
    def native_name(self) -> str:
        return f"{self.stem}.{self.kind}"

    def file_name(self, fmt: str) -> str:
        return f"{self.stem}.parquet" if fmt == "parquet" else self.native_name


def _cols(text: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(sep))


STORES = FileSpec(
    "stores", "stores", "csv", _cols("store_code, name, city, region, timezone, kind, opened_on")
)
PRODUCTS = FileSpec(
    "products", "products", "csv", _cols("sku, name, category_path, brand, price_minor, currency")
)
MEMBERS = FileSpec(
    "loyalty_members",
    "members",
    "csv",
    _cols(
        "card_no, issued_at, store_code, last_name, first_name, middle_name, birth_date, gender, "
        "phone, email, city, consent_email, consent_sms, consent_push, consent_at, card_state, "
        "points_balance, period_spend_minor, level, level_since, points_expire_at, channel, "
        "region, postcode, street, house, flat, address_raw"
    ),
)
POS = FileSpec(
    "pos_receipts",
    "pos",
    "csv",
    _cols(
        "store_code, terminal_id, receipt_no, op, ts_local, card_no, payments, line_no, sku, qty, "
        "price_minor, discount_minor, amount_minor, orig_receipt_no, orig_line_no"
    ),
    record_key=("store_code", "terminal_id", "receipt_no"),
)
WEB = FileSpec(
    "web_orders",
    "web",
    "jsonl",
    _cols("order_id, created_at, customer, utm, items, payments, delivery, status_history"),
)
APP = FileSpec("app_orders", "app", "jsonl", WEB.columns)
CALLCENTRE = FileSpec(
    "call_centre_orders",
    "callcentre",
    "csv",
    _cols(
        "order_ref, created_at, caller_number, customer_name, delivery_type, store_code, address, "
        "line_no, sku, qty, price_minor, discount_minor"
    ),
    record_key=("order_ref",),
)
MARKETPLACE = FileSpec(
    "marketplace_orders",
    "marketplace",
    "csv",
    _cols(
        "posting_number;order_date;buyer_id;buyer_phone;buyer_name;delivery_type;pickup_point;"
        "line_no;offer_id;qty;price;status",
        ";",
    ),
    delimiter=";",
    record_key=("posting_number",),
)
DELIVERY = FileSpec(
    "delivery_status", "delivery", "csv", _cols("order_ref, status, at, carrier, pickup_point")
)
RETURNS = FileSpec(
    "returns",
    "returns",
    "csv",
    _cols("return_id, order_ref, line_no, qty, amount_minor, reason, returned_at, store_code"),
    record_key=("return_id",),
)
WEB_EVENTS = FileSpec(
    "web_events",
    "web_events",
    "jsonl",
    _cols(
        "event_id, ts, cookie, type, url, sku, query, utm_source, utm_medium, utm_campaign, email"
    ),
)
APP_EVENTS = FileSpec(
    "app_events",
    "app_events",
    "jsonl",
    _cols("event_id, ts, device_id, type, sku, query, phone, card_no"),
)
CALLS = FileSpec(
    "call_log",
    "calls",
    "csv",
    _cols("call_id, started_at, caller_number, agent_id, topic, duration_s, order_ref"),
)
MESSAGES = FileSpec(
    "messages", "messages", "csv", _cols("message_id, channel, address, campaign, event, at")
)
WIFI = FileSpec(
    "wifi_sightings", "wifi", "csv", _cols("store_code, mac_hash, first_seen, last_seen, rssi")
)
CAMERA = FileSpec(
    "camera_faces",
    "camera",
    "csv",
    _cols("store_code, camera_id, face_token, seen_at, age_band, gender"),
)
SURVEYS = FileSpec(
    "survey_answers",
    "surveys",
    "csv",
    _cols("response_id, survey, channel, order_ref, phone, email, score, comment, answered_at"),
)
STOCK = FileSpec("stock_levels", "stock", "csv", _cols("store_code, sku, date, qty_on_hand"))
"""Written after every chunk: the counts depend on all of them (``stock.py``)."""
GROUND_TRUTH = FileSpec(
    "ground_truth", "ground_truth", "csv", ("source", "source_key", "person_id")
)
PEOPLE_TRUTH = FileSpec(
    "ground_truth_people",
    "ground_truth_people",
    "csv",
    (
        "person_id",
        "joined_on",
        "dropped_out_on",
        "purchases_per_year",
        "p_drop",
        "favourite_categories",
    ),
)
TRUTH = (GROUND_TRUTH, PEOPLE_TRUTH)

REFERENCE = (STORES, PRODUCTS)
PER_CHUNK = (
    MEMBERS, POS, WEB, APP, CALLCENTRE, MARKETPLACE, DELIVERY, RETURNS,
    WEB_EVENTS, APP_EVENTS, CALLS, MESSAGES, WIFI, CAMERA, SURVEYS,
)  # fmt: skip
ALL = (*REFERENCE, *PER_CHUNK, STOCK)
BY_STEM = {s.stem: s for s in (*ALL, *TRUTH)}
