"""Sales on top of the tiny store (``web_store``), for the dashboard and analytics pages.

Period P = 2025-01-01..2025-03-31 (local days, both included); the previous period of the same
length is 2024-10-03..2024-12-31. Purchases (totals in kopecks):

* Anna (level gold): 2024-05-10 S1 shoes 1 500,00; 2024-06-15 S1 bags x2 3 000,00; none since, so
  she is an inactive customer at the end of P.
* Pётр (his card profile merged into him): 2024-11-20 S2 shoes 1 000,00 (previous period);
  2025-01-15 S2 shoes x3 2 500,00; 2025-02-10 web bags 1 200,00 (200,00 paid in points);
  2025-03-05 S2 bags 800,00.
* Anna's twin: 2025-02-20 S1 shoes 999,50.
* An anonymous receipt: 2025-03-10 S1 bags 500,00.

So in P: revenue 5 999,50 (web 1 200,00; S2 3 300,00), 5 receipts; in the previous period
1 000,00 and 1 receipt.
"""

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import (
    Brand,
    Category,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
)
from omnicrm.store.schema import Store as Shop
from omnicrm.store.schema.loyalty import LoyaltyAccount

SINCE, UNTIL = "2025-01-01", "2025-03-31"
PERIOD = {"since": SINCE, "until": UNTIL}
REVENUE, WEB_REVENUE, S2_REVENUE, PREVIOUS = 5_999_50, 1_200_00, 3_300_00, 1_000_00


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, tzinfo=UTC)


def add_sales(engine: Engine, anna: int, twin: int, petr: int) -> dict[str, int]:
    ids: dict[str, int] = {}
    with unit_of_work(engine) as s:
        for code, city in (("S1", "Москва"), ("S2", "Казань")):
            shop = Shop(
                code=code, name=f"Магазин {code}", city=city, region=city,
                timezone="Europe/Moscow", kind="store", opened_on=date(2020, 1, 1),
            )  # fmt: skip
            s.add(shop)
            s.flush()
            ids[code] = shop.id
        brand = Brand(name="Acme")
        shoes, bags = Category(name="Shoes", path="Shoes"), Category(name="Bags", path="Bags")
        s.add_all([brand, shoes, bags])
        s.flush()
        for sku, category in (("SH-1", shoes), ("BG-1", bags)):
            product = Product(sku=sku, name=sku, category_id=category.id, brand_id=brand.id,
                              price_minor=1000, currency="RUB")  # fmt: skip
            s.add(product)
            s.flush()
            ids[sku] = product.id
        s.add(LoyaltyAccount(customer_id=anna, program_code="main", card_state="active",
                             level="gold", created_at=at(2024, 1, 1)))  # fmt: skip
        for n, (customer, channel, store, when, sku, qty, total, points) in enumerate(
            (
                (anna, "store", "S1", at(2024, 5, 10), "SH-1", 1, 1_500_00, 0),
                (anna, "store", "S1", at(2024, 6, 15), "BG-1", 2, 3_000_00, 0),
                (petr, "store", "S2", at(2024, 11, 20), "SH-1", 1, 1_000_00, 0),
                (petr, "store", "S2", at(2025, 1, 15), "SH-1", 3, 2_500_00, 0),
                (petr, "web", None, at(2025, 2, 10), "BG-1", 1, 1_200_00, 200_00),
                (petr, "store", "S2", at(2025, 3, 5), "BG-1", 1, 800_00, 0),
                (twin, "store", "S1", at(2025, 2, 20), "SH-1", 1, 999_50, 0),
                (None, "store", "S1", at(2025, 3, 10), "BG-1", 1, 500_00, 0),
            ),
            1,
        ):
            add_order(s, ids, f"W{n}", customer, channel, store, when, sku, qty, total, points)
    return ids


def add_order(s, ids, key, customer, channel, store, when, sku, qty, total, points=0) -> None:  # type: ignore[no-untyped-def]
    order = Order(source=channel, source_key=key, channel=channel,
                  store_id=ids[store] if store else None, placed_at=when, status="completed",
                  customer_id=customer, currency="RUB", subtotal_minor=total, discount_minor=0,
                  total_minor=total)  # fmt: skip
    s.add(order)
    s.flush()
    s.add(
        OrderLine(
            order_id=order.id, line_no=1, product_id=ids[sku], qty=qty,
            unit_price_minor=total // qty, discount_minor=0, amount_minor=total,
        )
    )  # fmt: skip
    payments = [("points", points), ("card", total - points)] if points else [("card", total)]
    for seq, (method, amount) in enumerate(payments, 1):
        s.add(Payment(order_id=order.id, seq=seq, method=method, amount_minor=amount))
    s.add(OrderStatus(order_id=order.id, status="completed", at=when, source=channel))
