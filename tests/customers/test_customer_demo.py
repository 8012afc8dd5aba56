"""Customer 360 and journeys on generated demo data (300 people through synth, bulk import and
resolution): the picture a marketer would see must be realistic, on both backends."""

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.bulk import import_directory
from omnicrm.store.db import make_engine, read_session
from omnicrm.store.schema import Identifier, Order, ReturnLine
from omnicrm.synth import generate
from support import BACKENDS, api_client, truncate_all

API = "/api/v1"


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, 300, seed=7, workers=1)
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, demo_files: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo data imported and resolved once per backend for every test of this module."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo_db") / "omnicrm.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(request.getfixturevalue("pg_database"))
        truncate_all(engine)
    import_directory(engine, demo_files)
    resolve_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(demo: Engine) -> TestClient:
    return api_client(demo)


def _omnichannel_customer(engine: Engine) -> int:
    """The customer with orders on the most channels (most orders breaks ties)."""
    with read_session(engine) as s:
        return s.execute(
            select(Order.customer_id)
            .where(Order.customer_id.is_not(None))
            .group_by(Order.customer_id)
            .order_by(
                func.count(Order.channel.distinct()).desc(), func.count().desc(), Order.customer_id
            )
            .limit(1)
        ).scalar_one()


def test_a_profile_has_one_order_history_across_channels(demo: Engine, client: TestClient) -> None:
    customer = _omnichannel_customer(demo)
    profile = client.get(f"{API}/customers/{customer}").json()
    assert len(profile["orders_by_channel"]) >= 3
    assert profile["events"] > 0
    orders = client.get(f"{API}/customers/{customer}/orders", params={"limit": 500}).json()
    assert orders["total"] == sum(a["orders"] for a in profile["orders_by_channel"])
    items = orders["items"]
    assert len({o["channel"] for o in items}) >= 3
    placed = [o["placed_at"] for o in items]
    assert placed == sorted(placed, reverse=True)
    assert all(o["lines"] and o["lines"][0]["product_name"] for o in items)
    assert all(sum(p["amount_minor"] for p in o["payments"]) > 0 for o in items)
    online = [o for o in items if o["channel"] in ("web", "app")]
    assert any(len(o["status_history"]) > 1 for o in online)
    assert all(o["fulfilment"]["kind"] for o in items)


def test_the_journey_is_one_sorted_timeline_with_events(demo: Engine, client: TestClient) -> None:
    customer = _omnichannel_customer(demo)
    page = client.get(f"{API}/customers/{customer}/journey", params={"limit": 500}).json()
    steps = page["items"]
    assert page["total"] == len(steps)
    times = [datetime.fromisoformat(s["at"]) for s in steps]
    assert times == sorted(times)
    kinds = {s["kind"] for s in steps}
    assert {"order", "product_view"} <= kinds
    assert len({s["channel"] for s in steps}) >= 3
    small = client.get(f"{API}/customers/{customer}/journey", params={"limit": 5}).json()
    assert small["items"] == steps[:5]


def test_returns_show_on_the_lines_they_undo(demo: Engine, client: TestClient) -> None:
    with read_session(demo) as s:
        order_id, customer = s.execute(
            select(Order.id, Order.customer_id)
            .join(ReturnLine, ReturnLine.order_id == Order.id)
            .where(Order.customer_id.is_not(None))
            .order_by(Order.id)
            .limit(1)
        ).one()
    orders = client.get(f"{API}/customers/{customer}/orders", params={"limit": 500}).json()
    (order,) = [o for o in orders["items"] if o["id"] == order_id]
    undone = {ln["order_line_no"] for r in order["returns"] for ln in r["lines"]}
    assert undone
    assert undone == {ln["line_no"] for ln in order["lines"] if ln["returned_qty"] > 0}


def test_search_by_a_phone_as_people_say_it(demo: Engine, client: TestClient) -> None:
    with read_session(demo) as s:
        phone, owner = s.execute(
            select(Identifier.value, Identifier.customer_id)
            .where(Identifier.kind == "phone", Identifier.customer_id.is_not(None))
            .order_by(Identifier.id)
            .limit(1)
        ).one()
    spoken = f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:]}"
    page = client.get(f"{API}/customers", params={"q": spoken}).json()
    assert page["matched_by"] == "phone"
    assert owner in [c["id"] for c in page["items"]]


def test_aggregated_journeys(client: TestClient) -> None:
    answer = client.get(f"{API}/journeys/paths", params={"top": 5}).json()
    for stage in ("first_purchase", "repeat_purchase"):
        paths = answer[stage]["paths"]
        assert answer[stage]["purchases"] > 0
        assert 0 < len(paths) <= 5
        assert sum(p["share"] for p in paths) <= 1.0001
        assert [p["purchases"] for p in paths] == sorted(
            (p["purchases"] for p in paths), reverse=True
        )
    assert answer["repeat_purchase"]["multichannel"] > 0
    cases = {c["case"]: c for c in answer["cross_channel"]}
    assert cases["click_and_collect"]["orders"] > 0
    assert cases["pickup_point"]["orders"] > 0
    assert cases["call_centre_home_delivery"]["orders"] > 0
