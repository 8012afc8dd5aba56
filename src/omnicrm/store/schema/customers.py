"""Customer profiles, their identifiers (kind + normalised value) and consents.

A profile is what identity resolution produces. Raw records keep their own identifiers
(``record_identifiers``); ``identifiers`` is the resolved index: which profile owns a value.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_date_raw: Mapped[str | None] = mapped_column(String(40))
    """A birth date as typed when it is no calendar date ("1985-02-30"): kept, compared fuzzily."""
    gender: Mapped[str | None] = mapped_column(String(1))
    city: Mapped[str | None] = mapped_column(String(100))
    home_store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    """Set when this profile was merged into another; the id stays valid as an alias."""

    __table_args__ = (UniqueConstraint("source", "source_key"),)


class Identifier(Base):
    __tablename__ = "identifiers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("kind", "value"),)


class Consent(Base):
    """One consent decision; the latest per (customer, channel) is in force."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(20))  # email | sms | push | messenger | calls
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index(None, "customer_id", "channel", "recorded_at"),)
