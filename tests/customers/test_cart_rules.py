"""The cart rule on plain events: a unit in per add, out per remove (never below none), a line
keeps the channel and time of its last add, and no activity for the timeout abandons the cart."""

from datetime import UTC, datetime, timedelta

from omnicrm.customers.carts import ADD, REMOVE, CartEvent, fold

T0 = datetime(2025, 3, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def ev(kind: str, sku: str, channel: str, minutes: int) -> CartEvent:
    return CartEvent(kind, sku, f"name {sku}", channel, T0 + timedelta(minutes=minutes))


def test_units_in_and_out_with_the_channel_of_the_last_add() -> None:
    events = [
        ev(REMOVE, "B", "web", 0),  # never added: nothing to take out
        ev(ADD, "A", "web", 1),
        ev(REMOVE, "A", "app", 2),
        ev(REMOVE, "A", "app", 3),  # already out: stays at none
        ev(ADD, "B", "web", 4),
        ev(ADD, "A", "app", 5),
        ev(ADD, "B", "app", 6),
    ]
    cart = fold(7, events, T0 + timedelta(hours=1), DAY)
    assert cart is not None
    assert [(x.sku, x.qty, x.channel, x.added_at) for x in cart.lines] == [
        ("A", 1, "app", T0 + timedelta(minutes=5)),
        ("B", 2, "app", T0 + timedelta(minutes=6)),
    ]
    assert (cart.customer_id, cart.status, cart.abandoned_at) == (7, "open", None)
    assert (cart.started_at, cart.last_activity_at) == (T0, T0 + timedelta(minutes=6))


def test_a_cart_emptied_by_removals_is_no_cart() -> None:
    assert fold(7, [ev(ADD, "A", "web", 0), ev(REMOVE, "A", "app", 1)], T0, DAY) is None
    assert fold(7, [], T0, DAY) is None


def test_no_activity_for_the_timeout_abandons_the_cart() -> None:
    events = [ev(ADD, "A", "web", 0), ev(ADD, "B", "web", 30)]
    last = T0 + timedelta(minutes=30)
    just_before = fold(7, events, last + DAY - timedelta(seconds=1), DAY)
    assert just_before is not None
    assert just_before.status == "open"
    at_timeout = fold(7, events, last + DAY, DAY)
    assert at_timeout is not None
    assert (at_timeout.status, at_timeout.abandoned_at) == ("abandoned", last + DAY)
    short = fold(7, events, last + timedelta(hours=2), timedelta(hours=1))
    assert short is not None
    assert short.abandoned_at == last + timedelta(hours=1)
