"""Aggregated journeys on a hand-made shop whose answer is known, on both backends."""

from shop import Shop, day
from sqlalchemy import Engine

from omnicrm.customers.paths import PathQuery, journey_paths
from omnicrm.store.db import read_session, unit_of_work
from support import api_client


def _four_customers(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        shop = Shop(s)
        a, b, c, d = (shop.customer(n, "Тестова") for n in ("Анна", "Бэла", "Вера", "Галя"))
        # A views shoes on the site and in the app, buys them in the store (research online,
        # buy offline: the same product), then orders online and collects in the store.
        shop.event(a, "web", "product_view", day(0), "P1")
        shop.event(a, "app", "product_view", day(1), "P1")
        shop.order(a, "store", day(2), "P1")
        shop.event(a, "web", "page_view", day(9))
        shop.order(a, "web", day(10), "P2", fulfilment="click_and_collect")
        # B orders to a pickup point, then views a bag online and buys another bag in the store.
        shop.order(b, "web", day(0), "P1", fulfilment="pickup_point")
        shop.event(b, "web", "product_view", day(1), "P2")
        shop.order(b, "store", day(3), "P3")
        # C orders by phone for delivery; a cancelled web order is a touchpoint, not a purchase;
        # a message the shop sent is not the customer's touchpoint.
        shop.order(c, "call_centre", day(0), "P1", fulfilment="courier")
        shop.order(c, "web", day(1), "P2", fulfilment="courier", status="cancelled")
        shop.event(c, "sms", "message_sent", day(4))
        shop.order(c, "store", day(5), "P1")
        # D viewed the shoes 20 days before buying them: inside the lookback, outside research.
        shop.event(d, "web", "product_view", day(30), "P1")
        shop.order(d, "store", day(50), "P1")
        shop.event(None, "web", "product_view", day(49), "P1")  # nobody's: never counted


def _paths(stage: dict) -> dict[str, tuple[int, float]]:
    return {" > ".join(p["path"]): (p["purchases"], p["share"]) for p in stage["paths"]}


def test_paths_and_cross_channel_cases(engine: Engine) -> None:
    _four_customers(engine)
    answer = api_client(engine).get("/api/v1/journeys/paths").json()
    first, repeat = answer["first_purchase"], answer["repeat_purchase"]
    assert (first["purchases"], first["multichannel"]) == (4, 2)
    assert list(_paths(first).items()) == [
        ("call_centre", (1, 0.25)),
        ("web", (1, 0.25)),
        ("web > app > store", (1, 0.25)),
        ("web > store", (1, 0.25)),
    ]
    assert (repeat["purchases"], repeat["multichannel"]) == (3, 2)
    assert _paths(repeat) == {"web > store": (2, 0.6667), "web": (1, 0.3333)}
    cases = {c["case"]: c for c in answer["cross_channel"]}
    summary = {name: (c["orders"], c["customers"], c["base"]) for name, c in cases.items()}
    assert summary == {
        "click_and_collect": (1, 1, 2),
        "pickup_point": (1, 1, 3),
        "call_centre_home_delivery": (1, 1, 1),
        "store_home_delivery": (0, 0, 4),
        "research_online_buy_offline": (2, 2, 4),
    }
    assert cases["research_online_buy_offline"]["detail"] == {
        "same_product": 1,
        "same_category_only": 1,
    }


def test_window_counts_purchases_in_it_but_first_means_first_ever(engine: Engine) -> None:
    _four_customers(engine)
    query = PathQuery(since=day(8), lookback_days=30, research_days=30, top=1)
    with read_session(engine) as s:
        answer = journey_paths(s.connection(), query)
    assert answer.first_purchase.purchases == 1  # D's receipt; A's web order is a repeat
    assert [p.path for p in answer.first_purchase.paths] == [["web", "store"]]
    assert answer.repeat_purchase.purchases == 1
    ropo = answer.cross_channel[-1]
    assert (ropo.case, ropo.orders, ropo.base) == ("research_online_buy_offline", 1, 1)


def test_short_lookback_cuts_the_path(engine: Engine) -> None:
    _four_customers(engine)
    with read_session(engine) as s:
        answer = journey_paths(s.connection(), PathQuery(lookback_days=1))
    # A's app view was exactly a day before (the window is open at its start); D's, 20 days
    assert _paths(answer.first_purchase.model_dump()) == {
        "store": (2, 0.5),
        "call_centre": (1, 0.25),
        "web": (1, 0.25),
    }
