"""Customer 360 through HTTP: search by any identifier spelling or name, one order history with
its parts and returns, the merges that formed the profile, paged events and a bounded journey."""

from datetime import timedelta

import pytest
from shop import T0, Shop, day
from sqlalchemy import Engine

from omnicrm.identity.merge import merge_profiles
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Identifier, RecordIdentifier
from support import api_client

API = "/api/v1/customers"


@pytest.fixture
def anna(engine: Engine) -> dict[str, int]:
    """Anna with a duplicate profile merged into her, orders from three channels, a return,
    a pickup, and 30 page views."""
    with unit_of_work(engine) as s:
        shop = Shop(s)
        anna = shop.customer("Анна", "Иванова")
        dup = shop.customer("Anna", "Ivanova")
        for kind, value, owner in (("phone", "+79162206393", anna), ("email", "anna@mail.ru", dup),
                                   ("card", "2000000000031", dup)):  # fmt: skip
            s.add(Identifier(kind=kind, value=value, customer_id=owner, first_seen_at=T0))
        # a family phone names nobody in the index, but the registry record carries it
        s.add(RecordIdentifier(record_type="customer", record_id=dup, kind="phone",
                               value="+79035550000"))  # fmt: skip
        receipt = shop.order(anna, "store", day(1), "P1", "P2")
        shop.give_back(receipt, 2, day(3))
        web = shop.order(dup, "web", day(5), "P3", fulfilment="click_and_collect", status="created",
                         history=(("ready_for_pickup", day(6)), ("picked_up", day(7))))  # fmt: skip
        shop.order(dup, "call_centre", day(8), "P1", fulfilment="courier")
        for i in range(30):
            shop.event(dup, "web", "page_view", day(4) + timedelta(minutes=i))
        merge = merge_profiles(s, anna, dup, method="manual", evidence={"by": "test"})
    return {"anna": anna, "dup": dup, "receipt": receipt, "web": web, "merge": merge.id}


SPELLINGS = [
    ("8 (916) 220-63-93", "phone"),
    ("+7 916 220 63 93", "phone"),
    ("Anna@Mail.RU", "email"),
    ("2000-0000-00031", "card"),
    ("89035550000", "phone"),  # a quarantined family phone: the registry record still finds her
    ("иванова", "name"),
    ("Анна Иван", "name"),
    ("ivanova anna", "name"),  # the duplicate's spelling finds the survivor
]


def test_search_finds_the_live_profile(engine: Engine, anna: dict) -> None:
    client = api_client(engine)
    found = {q: client.get(API, params={"q": q}).json() for q, _ in SPELLINGS}
    assert {q: page["matched_by"] for q, page in found.items()} == dict(SPELLINGS)
    assert {q: [c["id"] for c in page["items"]] for q, page in found.items()} == {
        q: [anna["anna"]] for q, _ in SPELLINGS
    }


def test_search_without_a_match_and_a_listing(engine: Engine, anna: dict) -> None:
    client = api_client(engine)
    assert client.get(API, params={"q": "+79990001122"}).json()["total"] == 0
    assert client.get(API, params={"q": "Петров"}).json()["total"] == 0
    assert client.get(API, params={"q": "%"}).json()["total"] == 0  # no wildcards from users
    assert client.get(API).json()["total"] == 1  # the duplicate is an alias now


def test_profile_and_one_order_history(engine: Engine, anna: dict) -> None:
    client = api_client(engine)
    profile = client.get(f"{API}/{anna['dup']}").json()
    assert profile["id"] == anna["anna"]
    assert profile["merged_ids"] == [anna["dup"]]
    assert {(a["channel"], a["orders"]) for a in profile["orders_by_channel"]} == {
        ("store", 1),
        ("web", 1),
        ("call_centre", 1),
    }
    assert profile["events"] == 30
    page = client.get(f"{API}/{anna['dup']}/orders", params={"limit": 2}).json()
    assert page["total"] == 3
    assert [o["channel"] for o in page["items"]] == ["call_centre", "web"]  # newest first
    web = page["items"][1]
    assert web["fulfilment"]["kind"] == "click_and_collect"
    assert web["fulfilment"]["store_code"] == "S1"
    assert [s["status"] for s in web["status_history"]] == [
        "created",
        "ready_for_pickup",
        "picked_up",
    ]
    receipt = client.get(f"{API}/{anna['anna']}/orders", params={"channel": "store"}).json()
    (order,) = receipt["items"]
    assert [(ln["sku"], ln["product_name"], ln["returned_qty"]) for ln in order["lines"]] == [
        ("P1", "Туфли", 0),
        ("P2", "Сумка", 1),
    ]
    assert order["payments"] == [{"method": "card", "amount_minor": 2000}]
    (ret,) = order["returns"]
    assert (ret["store_code"], ret["reason"], ret["lines"][0]["order_line_no"]) == ("S1", "size", 2)


def test_merges_events_and_journey_are_bounded(engine: Engine, anna: dict) -> None:
    client = api_client(engine)
    (merge,) = client.get(f"{API}/{anna['dup']}/merges").json()
    assert merge["id"] == anna["merge"]
    assert merge["evidence"] == {"by": "test"}
    assert merge["moved"]["orders"] == 2
    assert merge["moved"]["events"] == 30
    events = client.get(f"{API}/{anna['anna']}/events", params={"limit": 5, "offset": 5}).json()
    assert events["total"] == 30
    assert len(events["items"]) == 5
    times = [e["occurred_at"] for e in events["items"]]
    assert times == sorted(times, reverse=True)
    steps = client.get(f"{API}/{anna['anna']}/journey", params={"limit": 4}).json()
    assert steps["total"] == 3 + 2 + 1 + 30  # orders, status changes after them, return, events
    assert [(s["channel"], s["kind"]) for s in steps["items"]] == [
        ("store", "order"),
        ("store", "return"),
        ("web", "page_view"),
        ("web", "page_view"),
    ]
    last = client.get(f"{API}/{anna['anna']}/journey", params={"limit": 3, "newest_first": True})
    assert [(s["kind"], s["detail"]) for s in last.json()["items"]] == [
        ("order", {"total_minor": 1000, "status": "completed", "fulfilment": "courier",
                   "store_code": None}),
        ("status", {"status": "picked_up"}),
        ("status", {"status": "ready_for_pickup"}),
    ]  # fmt: skip
    assert client.get(f"{API}/999999/journey").status_code == 404
