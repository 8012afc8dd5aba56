"""Interaction events (views, carts, searches, calls, messages, sensor sightings, survey answers)
and the identifiers every raw record carried, kept exactly as the source sent them."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    order_ref: Mapped[str | None] = mapped_column(String(128))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    attrs: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        # a customer's cart events since a time, read on the till's calculate (customers/carts.py)
        Index(None, "customer_id", "kind", "occurred_at"),
        Index(None, "store_id", "occurred_at"),  # a store's sightings near a receipt
    )


class RecordIdentifier(Base):
    """An identifier seen on a raw record: the input identity resolution works from.

    ``value`` is normalised (E.164 phone, lower-case e-mail, ...); ``raw`` keeps the source's
    spelling when it differs, so nothing the channel sent is rewritten.
    """

    __tablename__ = "record_identifiers"

    record_type: Mapped[str] = mapped_column(String(10), primary_key=True)  # order | event | return
    record_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    raw: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index(None, "kind", "value"),)


class RecordAddress(Base):
    """A postal address as one raw record gave it (a registry member, a delivery order): identity
    evidence for people who share no phone, e-mail or card. Stored as typed; ``identity.addresses``
    normalises it for comparison, so a better normaliser needs no re-import."""

    __tablename__ = "record_addresses"

    record_type: Mapped[str] = mapped_column(String(10), primary_key=True)  # member | order
    record_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    region: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    street: Mapped[str | None] = mapped_column(String(200))
    house: Mapped[str | None] = mapped_column(String(40))
    flat: Mapped[str | None] = mapped_column(String(40))
    postcode: Mapped[str | None] = mapped_column(String(20))
    raw: Mapped[str | None] = mapped_column(String(400))
