"""The customer 360 page shows the cart across channels: each line with its channel, open or
abandoned, and an empty cart says so."""

from datetime import timedelta

from sqlalchemy.orm import Session
from web_store import Store, signed_in

from omnicrm.core.clock import utcnow
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Category, Event, Product


def _cart_events(session: Session, customer_id: int, events: list[tuple[str, str, str, float]]):  # type: ignore[no-untyped-def]
    """Cart events (kind, sku, channel, hours ago) of one resolved customer."""
    category = Category(name="Обувь", path="Обувь")
    session.add(category)
    session.flush()
    products = {}
    for sku, name in (("P1", "Туфли лодочки"), ("P2", "Сумка-шопер")):
        product = Product(
            sku=sku, name=name, category_id=category.id, price_minor=1000, currency="RUB"
        )
        session.add(product)
        session.flush()
        products[sku] = product.id
    now = utcnow()
    for n, (kind, sku, channel, hours_ago) in enumerate(events):
        session.add(
            Event(
                source=f"{channel}_events", source_key=f"cart-{customer_id}-{n}", kind=kind,
                channel=channel, occurred_at=now - timedelta(hours=hours_ago),
                product_id=products[sku], customer_id=customer_id, attrs={},
            )
        )  # fmt: skip


def _cart_section(page: str) -> str:
    start = page.index('id="cart"')
    return page[start : page.index("</section>", start)]


def test_the_profile_shows_the_open_cart_with_its_channels(fresh_store: Store) -> None:
    with unit_of_work(fresh_store.engine) as session:
        _cart_events(
            session,
            fresh_store.anna,
            [("add_to_cart", "P1", "web", 3), ("add_to_cart", "P1", "web", 2.5),
             ("add_to_cart", "P2", "app", 2), ("remove_from_cart", "P2", "web", 1),
             ("add_to_cart", "P2", "app", 0.5)],
        )  # fmt: skip
    staff = signed_in(fresh_store.engine, "store_staff")
    cart = _cart_section(staff.get(f"/customers/{fresh_store.anna}").text)
    assert "Туфли лодочки × 2" in cart
    assert "Сумка-шопер × 1" in cart
    assert cart.index("Туфли лодочки") < cart.index("Сумка-шопер")  # in the order added
    assert "ch-web" in cart
    assert "ch-app" in cart
    assert "открыта" in cart
    assert "брошена" not in cart
    empty = _cart_section(staff.get(f"/customers/{fresh_store.anna_twin}").text)
    assert "Пуста" in empty


def test_a_cart_left_for_days_shows_as_abandoned(fresh_store: Store) -> None:
    with unit_of_work(fresh_store.engine) as session:
        _cart_events(session, fresh_store.anna, [("add_to_cart", "P1", "web", 72)])
    staff = signed_in(fresh_store.engine, "store_staff")
    cart = _cart_section(staff.get(f"/customers/{fresh_store.anna}").text)
    assert "брошена" in cart
    assert "Туфли лодочки × 1" in cart
