"""Hand-made stores for identity tests: members, orders and events with the identifiers they
carried, inserted through the ORM exactly as ingest leaves them (``customer_id`` NULL)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlalchemy.orm import Session

from omnicrm.store.schema import (
    Consent,
    Customer,
    Event,
    Identifier,
    Order,
    RecordIdentifier,
    Store,
)

T0 = datetime(2025, 3, 1, 10, tzinfo=UTC)


@dataclass
class StoreBuilder:
    session: Session
    _seq: count = field(default_factory=lambda: count(1))

    def member(
        self,
        card: str,
        first: str,
        last: str,
        *,
        phone: str | None = None,
        email: str | None = None,
        birth: date | None = None,
        gender: str | None = None,
        consents: dict[str, tuple[bool, datetime]] | None = None,
    ) -> int:
        customer = Customer(
            source="members", source_key=card, created_at=T0, enrolled_at=T0,
            first_name=first, last_name=last, birth_date=birth, gender=gender,
        )  # fmt: skip
        self.session.add(customer)
        self.session.flush()
        for kind, value in (("card", card), ("phone", phone), ("email", email)):
            if value is None:
                continue
            self.session.add(
                RecordIdentifier(
                    record_type="customer", record_id=customer.id, kind=kind, value=value
                )
            )
            if self.session.query(Identifier).filter_by(kind=kind, value=value).first() is None:
                self.session.add(
                    Identifier(kind=kind, value=value, customer_id=customer.id, first_seen_at=T0)
                )
        for channel, (granted, at) in (consents or {}).items():
            self.session.add(
                Consent(
                    customer_id=customer.id,
                    channel=channel,
                    granted=granted,
                    recorded_at=at,
                    source="members",
                )
            )
        self.session.flush()
        return customer.id

    def store(self, code: str = "S001") -> int:
        store = Store(code=code, name=code, city="Москва", region="Москва",
                      timezone="Europe/Moscow", kind="store")  # fmt: skip
        self.session.add(store)
        self.session.flush()
        return store.id

    def order(
        self,
        *idents: tuple[str, str],
        at: datetime | None = None,
        channel: str = "web",
        name: str | None = None,
        store: int | None = None,
        key: str | None = None,
    ) -> int:
        """An order; ``key`` is its source key (a POS receipt's ``store/terminal/receipt``)."""
        n = next(self._seq)
        order = Order(
            source=channel,
            source_key=key or f"O{n}",
            channel=channel,
            store_id=store,
            placed_at=at or T0 + timedelta(hours=n),
            status="created",
            currency="RUB",
            subtotal_minor=1000,
            discount_minor=0,
            total_minor=1000,
            contact_name=name,
        )
        self.session.add(order)
        self.session.flush()
        self._idents("order", order.id, idents)
        return order.id

    def event(
        self,
        *idents: tuple[str, str],
        kind: str = "page_view",
        channel: str = "web",
        at: datetime | None = None,
        store: int | None = None,
    ) -> int:
        n = next(self._seq)
        event = Event(
            source=f"{channel}_events", source_key=f"E{n}", kind=kind, channel=channel,
            occurred_at=at or T0 + timedelta(hours=n), store_id=store, attrs={},
        )  # fmt: skip
        self.session.add(event)
        self.session.flush()
        self._idents("event", event.id, idents)
        return event.id

    def _idents(
        self, record_type: str, record_id: int, idents: tuple[tuple[str, str], ...]
    ) -> None:
        for kind, value in idents:
            self.session.add(
                RecordIdentifier(
                    record_type=record_type, record_id=record_id, kind=kind, value=value
                )
            )
        self.session.flush()
