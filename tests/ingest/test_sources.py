"""Each channel's validator on hand-made raw records: right canonical record, or every bad
field named. Pure: no database."""

from datetime import UTC, date, datetime

import pytest
from ingest_samples import (
    APP_EVENTS,
    APP_ORDER,
    CALLCENTRE,
    CALLS,
    CAMERA,
    CATALOG,
    MARKETPLACE,
    MEMBERS,
    MESSAGES,
    POS,
    PRODUCTS,
    STORES,
    SURVEYS,
    WEB_EVENTS,
    WEB_ORDER,
    WIFI,
    rows_of,
)

from omnicrm.core.errors import InvalidRecord
from omnicrm.ingest.canonical import Event, Fulfilment, Ident, Member, Order, Return
from omnicrm.ingest.readers import group_rows
from omnicrm.ingest.sources import SOURCES


def grouped(source: str, rows: list[list[str]]) -> list[dict]:
    """Raw records as the CSV reader groups them."""
    header, *body = rows
    return [
        r.data
        for r in group_rows(((i + 2, row) for i, row in enumerate(body)), header, SOURCES[source])
    ]


def check(source: str, raw: dict):  # type: ignore[no-untyped-def]
    return SOURCES[source].validate(raw, CATALOG)


def errors_of(source: str, raw: dict) -> dict[str, str]:
    with pytest.raises(InvalidRecord) as caught:
        check(source, raw)
    return {e.field: e.message for e in caught.value.errors}


def test_pos_sale_converts_local_time_with_the_store_zone() -> None:
    sale = grouped("pos", POS)[0]
    order = check("pos", sale)
    assert isinstance(order, Order)
    assert order.source_key == "S002/1/0001"
    # 10:00 in Yekaterinburg (UTC+5) is 05:00 UTC
    assert order.placed_at == datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
    assert order.store_id == 2
    assert [(line.product_id, line.qty, line.amount_minor) for line in order.lines] == [
        (11, 2, 398000),
        (12, 1, 39900),
    ]
    assert order.total_minor == 437900
    assert [(p.method, p.amount_minor) for p in order.payments] == [
        ("card", 400000),
        ("points", 37900),
    ]
    assert order.identifiers == (Ident("card", "2000000123456"),)


def test_pos_return_points_at_the_original_line() -> None:
    ret = check("pos", grouped("pos", POS)[2])
    assert isinstance(ret, Return)
    assert ret.order_sources == ("pos",)
    assert [(line.order_ref, line.order_line_no, line.amount_minor) for line in ret.lines] == [
        ("S002/1/0001", 1, 199000)
    ]


def test_pos_errors_name_every_bad_field_and_line() -> None:
    sale = grouped("pos", POS)[0]
    sale["store_code"] = "S999"
    sale["lines"][1] = {**sale["lines"][1], "qty": "0", "sku": "NOPE"}
    sale["lines"][0] = {**sale["lines"][0], "amount_minor": "1"}
    errors = errors_of("pos", sale)
    assert errors["store_code"] == "unknown store 'S999'"
    assert "lines[1].qty" in errors
    assert errors["lines[1].sku"] == "unknown sku 'NOPE'"
    assert "qty * price - discount" in errors["lines[0].amount_minor"]


def test_pos_payments_must_add_up() -> None:
    sale = grouped("pos", POS)[1]
    sale["payments"] = "cash=1"
    assert "payments sum to 1" in errors_of("pos", sale)["payments"]
    sale["payments"] = "crypto=35910"
    assert "method=amount" in errors_of("pos", sale)["payments"]


def test_pos_sale_delivered_from_the_store_is_its_fulfilment() -> None:
    sale = grouped("pos", POS)[0]
    sale |= {
        "delivery_type": "courier",
        "delivery_address": "Екатеринбург, ул. Ленина, 5",
        "delivery_cost_minor": "30000",
        "payments": "card=430000;points=37900",
    }
    order = check("pos", sale)
    assert order.fulfilment == Fulfilment(
        "courier", None, None, "Екатеринбург, ул. Ленина, 5", 30000
    )
    sale["payments"] = "card=400000;points=37900"  # the delivery cost is not paid
    assert "comes to 467900" in errors_of("pos", sale)["payments"]
    sale |= {"delivery_type": "teleport", "payments": "card=430000;points=37900"}
    assert "must be one of" in errors_of("pos", sale)["delivery_type"]
    assert check("pos", grouped("pos", POS)[0]).fulfilment == Fulfilment("in_store", 2)


def test_web_order_money_in_rubles_and_status_from_history() -> None:
    order = check("web", WEB_ORDER)
    assert order.placed_at == datetime(2025, 3, 1, 9, 4, 11, tzinfo=UTC)
    assert order.total_minor == 378100 + 39900
    assert order.fulfilment.kind == "courier"
    assert order.fulfilment.cost_minor == 10000
    assert order.status == "paid"
    assert order.utm_source == "yandex"
    assert {(i.kind, i.value, i.raw) for i in order.identifiers} == {
        ("email", "anna.ivanova@mail.ru", "Anna.Ivanova@Mail.ru"),
        ("phone", "+79162206393", "+7 (916) 220-63-93"),
        ("cookie", "c-9f2", None),
        ("card", "2000000123456", None),
    }


def test_web_order_rejects_naive_times_bad_money_and_sums() -> None:
    bad = {
        **WEB_ORDER,
        "created_at": "2025-03-01T12:04:11",
        "items": [
            {**WEB_ORDER["items"][0], "price": "19.999"},
            {**WEB_ORDER["items"][1], "qty": "x"},
        ],
        "delivery": {**WEB_ORDER["delivery"], "type": "drone"},
    }
    errors = errors_of("web", bad)
    assert "no time zone offset" in errors["created_at"]
    assert "more than two decimals" in errors["items[0].price"]
    assert "integer" in errors["items[1].qty"]
    assert "must be one of" in errors["delivery.type"]
    mismatch = {**WEB_ORDER, "payments": [{"method": "card", "amount": "1.00"}]}
    assert "payments sum to 100" in errors_of("web", mismatch)["payments"]


def test_app_order_click_and_collect_needs_a_known_store() -> None:
    order = check("app", APP_ORDER)
    assert order.channel == "app"
    assert order.fulfilment.store_id == 1
    assert Ident("device", "d-1", "D-1") in order.identifiers
    bad = {**APP_ORDER, "delivery": {**APP_ORDER["delivery"], "store_code": None}}
    assert errors_of("app", bad)["delivery.store_code"] == "is required"


def test_callcentre_and_marketplace_orders() -> None:
    cc = check("callcentre", grouped("callcentre", CALLCENTRE)[0])
    assert cc.channel == "call_centre"
    assert cc.total_minor == 3 * 39900 - 900
    assert cc.identifiers == (Ident("phone", "+79162206393", "89162206393"),)
    mp = check("marketplace", grouped("marketplace", MARKETPLACE)[0])
    assert mp.placed_at == datetime(2025, 3, 3, 7, 29, tzinfo=UTC)  # Moscow wall time
    assert [line.unit_price_minor for line in mp.lines] == [199000, 39950]
    assert mp.status == "partially_returned"
    assert {i.kind for i in mp.identifiers} == {"mp_buyer", "phone_mask"}


def test_grouped_rows_with_differing_header_fields_are_reported() -> None:
    rows = [POS[0], POS[1], [*POS[2][:4], "2025-03-01 10:00:01", *POS[2][5:]]]
    record = next(iter(group_rows([(2, rows[1]), (3, rows[2])], rows[0], SOURCES["pos"])))
    assert record.line_rows == [2, 3]
    assert [e.field for e in record.errors] == ["ts_local"]
    assert record.row_of("lines[1].qty") == 3


def test_members_reference_and_events() -> None:
    member = check("members", rows_of(MEMBERS)[0])
    assert isinstance(member, Member)
    assert member.birth_date == date(1990, 5, 17)
    assert member.home_store_id == 1
    assert {(c.channel, c.granted) for c in member.consents} == {("email", True), ("sms", False)}
    assert {i.kind for i in member.identifiers} == {"card", "phone", "email"}
    assert check("stores", rows_of(STORES)[1]).timezone == "Asia/Yekaterinburg"
    assert check("products", rows_of(PRODUCTS)[0]).category_path == ("Обувь", "Женская", "Туфли")
    events = [
        check("web_events", WEB_EVENTS[0]),
        check("app_events", APP_EVENTS[0]),
        check("calls", rows_of(CALLS)[0]),
        check("messages", rows_of(MESSAGES)[2]),
        check("wifi", rows_of(WIFI)[0]),
        check("camera", rows_of(CAMERA)[0]),
        check("surveys", rows_of(SURVEYS)[0]),
    ]
    assert all(isinstance(e, Event) for e in events)
    assert events[0].product_id == 11
    assert events[1].occurred_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert events[3].identifiers == (Ident("phone", "+79161112233", "8 916 111 22 33"),)
    assert events[6].attrs["score"] == 9


@pytest.mark.parametrize(
    ("source", "raw", "field"),
    [
        ("members", {**rows_of(MEMBERS)[0], "card_no": "123"}, "card_no"),
        ("members", {**rows_of(MEMBERS)[0], "consent_at": ""}, "consent_at"),
        ("stores", {**rows_of(STORES)[0], "timezone": "Mars/Olympus"}, "timezone"),
        ("web_events", {**WEB_EVENTS[0], "type": "teleport"}, "type"),
        ("app_events", {**APP_EVENTS[0], "ts": "yesterday"}, "ts"),
        ("surveys", {**rows_of(SURVEYS)[0], "score": "11"}, "score"),
        ("wifi", {**rows_of(WIFI)[0], "last_seen": "2025-03-01T11:00:00+03:00"}, "last_seen"),
        ("messages", {**rows_of(MESSAGES)[0], "address": "not-an-email"}, "address"),
    ],
)
def test_bad_values_are_named(source: str, raw: dict, field: str) -> None:
    assert field in errors_of(source, raw)


def test_a_value_of_the_wrong_type_is_an_error_not_a_crash() -> None:
    from omnicrm.ingest.validation import validate

    with pytest.raises(InvalidRecord):
        validate(SOURCES["web"], {**WEB_ORDER, "items": "many", "customer": [1]}, CATALOG)
