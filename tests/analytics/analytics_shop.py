"""A hand-made chain whose analytics are worked out by hand in ``test_*`` (see each test).

Period P = [2025-07-01, 2025-10-01), 92 days. Customers:

* A: F, born 1990, Moscow, enrolled 2025-01-10 at S1, level silver. Purchases: 02-01 S1 (P1 x1 1000
  + P2 x2 2000), 07-05 S1 (P1 1500, 500 paid in points), 08-01 web (P2 2000, utm google, delivered
  by courier), 09-10 web 9999 cancelled; profile A2 (merged into A) 09-20 app (P2 1000, created).
* B: M, born 1980, Kazan, enrolled 2025-07-02 at S2, referred by A. Purchases 07-03 S2 (P3 x4
  4000; one returned 07-10), 09-01 S2 (P1 1000). Answers a survey 09-05.
* C: no demographics, never enrolled. Views P1 on the web 07-19 (utm vk), adds to cart 07-20
  10:00, buys 07-20 12:00 on the web (P1 500, created).
* D: F, born 2000: bought 2024-06-01 at S1 (P1 800), never again.
* E: bought 2025-05-01 at S1 (P1 1000), never again.
* An anonymous receipt 08-15 at S1 (P1 700).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from omnicrm.store.schema import (
    Brand,
    Category,
    Customer,
    Event,
    Fulfilment,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    Return,
    ReturnLine,
    Store,
)
from omnicrm.store.schema.loyalty import LoyaltyAccount

SINCE = datetime(2025, 7, 1, tzinfo=UTC)
UNTIL = datetime(2025, 10, 1, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class Shop:
    session: Session
    ids: dict[str, int] = field(default_factory=dict)
    _n: int = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def reference(self) -> None:
        for code, city in (("S1", "Москва"), ("S2", "Казань")):
            store = Store(
                code=code,
                name=f"Store {code}",
                city=city,
                region=city,
                timezone="Europe/Moscow",
                kind="store",
                opened_on=date(2020, 1, 1),
            )
            self.session.add(store)
            self.session.flush()
            self.ids[code] = store.id
        brand = Brand(name="B1")
        shoes, bags = Category(name="Shoes", path="Shoes"), Category(name="Bags", path="Bags")
        self.session.add_all([brand, shoes, bags])
        self.session.flush()
        for sku, category in (("P1", shoes), ("P2", bags), ("P3", bags)):
            product = Product(
                sku=sku,
                name=sku,
                category_id=category.id,
                brand_id=brand.id,
                price_minor=1000,
                currency="RUB",
            )
            self.session.add(product)
            self.session.flush()
            self.ids[sku] = product.id

    def customer(self, key: str, **fields: object) -> int:
        c = Customer(source="members", source_key=key, created_at=at(1, 1), **fields)
        self.session.add(c)
        self.session.flush()
        self.ids[key] = c.id
        return c.id

    def order(
        self,
        customer: str | None,
        channel: str,
        when: datetime,
        lines: list[tuple[str, int, int]],
        *,
        store: str | None = None,
        status: str = "completed",
        points: int = 0,
        utm: str | None = None,
        fulfilment: str | None = None,
    ) -> int:
        total = sum(amount for _, _, amount in lines)
        order = Order(
            source=channel,
            source_key=f"O{self._next()}",
            channel=channel,
            store_id=self.ids[store] if store else None,
            placed_at=when,
            status=status,
            customer_id=self.ids[customer] if customer else None,
            currency="RUB",
            subtotal_minor=total,
            discount_minor=0,
            total_minor=total,
            utm_source=utm,
        )
        self.session.add(order)
        self.session.flush()
        for line_no, (sku, qty, amount) in enumerate(lines, 1):
            self.session.add(
                OrderLine(
                    order_id=order.id,
                    line_no=line_no,
                    product_id=self.ids[sku],
                    qty=qty,
                    unit_price_minor=amount // qty,
                    discount_minor=0,
                    amount_minor=amount,
                )
            )
        payments = [("points", points), ("card", total - points)] if points else [("card", total)]
        for seq, (method, amount) in enumerate(payments, 1):
            self.session.add(
                Payment(order_id=order.id, seq=seq, method=method, amount_minor=amount)
            )
        if fulfilment:
            self.session.add(Fulfilment(order_id=order.id, kind=fulfilment))
        self.session.add(OrderStatus(order_id=order.id, status=status, at=when, source=channel))
        self.session.flush()
        return order.id

    def event(self, customer: str, kind: str, channel: str, when: datetime, **attrs: str) -> None:
        self.session.add(
            Event(
                source=channel,
                source_key=f"E{self._next()}",
                kind=kind,
                channel=channel,
                occurred_at=when,
                customer_id=self.ids[customer],
                attrs=attrs,
            )
        )
        self.session.flush()


def build(session: Session) -> Shop:
    shop = Shop(session)
    shop.reference()
    a = shop.customer(
        "A",
        gender="F",
        birth_date=date(1990, 5, 1),
        city="Москва",
        home_store_id=shop.ids["S1"],
        enrolled_at=at(1, 10),
    )
    b = shop.customer(
        "B",
        gender="M",
        birth_date=date(1980, 3, 3),
        city="Казань",
        home_store_id=shop.ids["S2"],
        enrolled_at=at(7, 2),
    )
    shop.customer("A2", merged_into_id=a)
    shop.customer("C")
    shop.customer("D", gender="F", birth_date=date(2000, 1, 1), city="Москва")
    shop.customer("E")
    account_a = LoyaltyAccount(
        customer_id=a,
        program_code="main",
        card_state="active",
        level="silver",
        created_at=at(1, 10),
    )
    session.add(account_a)
    session.flush()
    session.add(
        LoyaltyAccount(
            customer_id=b,
            program_code="main",
            card_state="active",
            level="bronze",
            referred_by_id=account_a.id,
            created_at=at(7, 2),
        )
    )
    shop.order("A", "store", at(2, 1), [("P1", 1, 1000), ("P2", 2, 2000)], store="S1")
    shop.order("A", "store", at(7, 5), [("P1", 1, 1500)], store="S1", points=500)
    shop.order(
        "A",
        "web",
        at(8, 1),
        [("P2", 1, 2000)],
        status="delivered",
        utm="google",
        fulfilment="courier",
    )
    shop.order("A", "web", at(9, 10), [("P1", 1, 9999)], status="cancelled", fulfilment="courier")
    shop.order("A2", "app", at(9, 20), [("P2", 1, 1000)], status="created", fulfilment="courier")
    first_b = shop.order("B", "store", at(7, 3), [("P3", 4, 4000)], store="S2")
    shop.order("B", "store", at(9, 1), [("P1", 1, 1000)], store="S2")
    shop.event("B", "survey_answer", "email", at(9, 5), survey="nps")
    shop.event("C", "product_view", "web", at(7, 19), utm_source="vk")
    shop.event("C", "add_to_cart", "web", at(7, 20, 10))
    shop.order("C", "web", at(7, 20, 12), [("P1", 1, 500)], status="created", fulfilment="courier")
    shop.order("D", "store", at(6, 1, year=2024), [("P1", 1, 800)], store="S1")
    shop.order("E", "store", at(5, 1), [("P1", 1, 1000)], store="S1")
    shop.order(None, "store", at(8, 15), [("P1", 1, 700)], store="S1")
    back = Return(
        source="pos",
        source_key="R1",
        store_id=shop.ids["S2"],
        returned_at=at(7, 10),
        reason="size",
        total_minor=1000,
    )
    session.add(back)
    session.flush()
    session.add(
        ReturnLine(
            return_id=back.id,
            line_no=1,
            order_id=first_b,
            order_line_no=1,
            qty=1,
            amount_minor=1000,
        )
    )
    session.flush()
    return shop
