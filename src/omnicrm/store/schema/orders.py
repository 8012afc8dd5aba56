"""Orders from every channel, with lines, payments, fulfilment, status history and returns.

A store receipt, a web or app order, a call-centre order and a marketplace posting are all one
``orders`` row; ``channel`` says where the customer bought and ``source`` which system reported it.
``(source, source_key)`` is the idempotency key of the source record. A receipt confirmed at the
till is an order too, linked to its loyalty operation (``loyalty_operation_id``).
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(
        String(20)
    )  # store | web | app | call_centre | marketplace
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    loyalty_operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("loyalty_operations.id"), unique=True
    )

    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        Index(None, "store_id", "placed_at"),  # a store's receipts near a sensor sighting
    )


class OrderLine(Base):
    __tablename__ = "order_lines"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class Payment(Base):
    __tablename__ = "payments"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(20))  # cash | card | points | gift_card | ...
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class Fulfilment(Base):
    __tablename__ = "fulfilments"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(20)
    )  # in_store | courier | pickup_point | click_and_collect
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    pickup_point: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(400))
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class OrderStatus(Base):
    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("order_id", "status", "at"),)


class Return(Base):
    """A return document: a POS return receipt or an online return, linked line by line."""

    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(128))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    returned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))
    total_minor: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("source", "source_key"),)


class ReturnLine(Base):
    __tablename__ = "return_lines"

    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger)
    order_line_no: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index(None, "order_id", "order_line_no"),)
