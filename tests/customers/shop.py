"""A hand-made shop for customer tests: reference data and resolved customers' orders (with lines,
payments, fulfilment and status history), returns and events, written through the ORM."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlalchemy.orm import Session

from omnicrm.store.schema import (
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

T0 = datetime(2025, 3, 1, 10, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


@dataclass
class Shop:
    """Store ``S1``; products ``P1`` (shoes), ``P2`` and ``P3`` (both bags)."""

    session: Session
    store: int = 0
    products: dict[str, int] = field(default_factory=dict)
    _seq: count = field(default_factory=lambda: count(1))

    def __post_init__(self) -> None:
        store = Store(
            code="S1",
            name="Тверская",
            city="Москва",
            region="Москва",
            timezone="Europe/Moscow",
            kind="store",
            opened_on=date(2020, 1, 1),
        )
        shoes, bags = Category(name="Обувь", path="Обувь"), Category(name="Сумки", path="Сумки")
        self.session.add_all([store, shoes, bags])
        self.session.flush()
        self.store = store.id
        for sku, name, category in (
            ("P1", "Туфли", shoes),
            ("P2", "Сумка", bags),
            ("P3", "Рюкзак", bags),
        ):
            product = Product(
                sku=sku, name=name, category_id=category.id, price_minor=1000, currency="RUB"
            )
            self.session.add(product)
            self.session.flush()
            self.products[sku] = product.id

    def customer(self, first: str, last: str, **fields: object) -> int:
        n = next(self._seq)
        c = Customer(
            source="members",
            source_key=f"{2000000000000 + n}",
            created_at=T0,
            first_name=first,
            last_name=last,
            **fields,
        )
        self.session.add(c)
        self.session.flush()
        return c.id

    def order(
        self,
        customer_id: int | None,
        channel: str,
        at: datetime,
        *skus: str,
        fulfilment: str = "in_store",
        status: str = "completed",
        history: tuple[tuple[str, datetime], ...] = (),
    ) -> int:
        n = next(self._seq)
        total = 1000 * len(skus)
        order = Order(
            source=channel,
            source_key=f"{channel[0].upper()}{n}",
            channel=channel,
            placed_at=at,
            status=status,
            customer_id=customer_id,
            currency="RUB",
            subtotal_minor=total,
            discount_minor=0,
            total_minor=total,
            store_id=self.store if channel == "store" else None,
        )
        self.session.add(order)
        self.session.flush()
        for line_no, sku in enumerate(skus, 1):
            self.session.add(
                OrderLine(
                    order_id=order.id,
                    line_no=line_no,
                    product_id=self.products[sku],
                    qty=1,
                    unit_price_minor=1000,
                    discount_minor=0,
                    amount_minor=1000,
                )
            )
        self.session.add(Payment(order_id=order.id, seq=1, method="card", amount_minor=total))
        in_store = fulfilment in ("in_store", "click_and_collect")
        self.session.add(
            Fulfilment(
                order_id=order.id,
                kind=fulfilment,
                store_id=self.store if in_store else None,
                pickup_point="PP7" if fulfilment == "pickup_point" else None,
            )
        )
        for state, when in ((status, at), *history):
            self.session.add(OrderStatus(order_id=order.id, status=state, at=when, source=channel))
        self.session.flush()
        return order.id

    def give_back(self, order_id: int, line_no: int, at: datetime) -> int:
        n = next(self._seq)
        ret = Return(
            source="returns",
            source_key=f"R{n}",
            store_id=self.store,
            returned_at=at,
            reason="size",
            total_minor=1000,
        )
        self.session.add(ret)
        self.session.flush()
        self.session.add(
            ReturnLine(
                return_id=ret.id,
                line_no=1,
                order_id=order_id,
                order_line_no=line_no,
                qty=1,
                amount_minor=1000,
            )
        )
        self.session.flush()
        return ret.id

    def event(
        self, customer_id: int | None, channel: str, kind: str, at: datetime, sku: str | None = None
    ) -> int:
        n = next(self._seq)
        event = Event(
            source=f"{channel}_events",
            source_key=f"E{n}",
            kind=kind,
            channel=channel,
            occurred_at=at,
            customer_id=customer_id,
            attrs={},
            product_id=self.products[sku] if sku else None,
        )
        self.session.add(event)
        self.session.flush()
        return event.id
