"""The campaign outbox: one row per message to send, written before the send, and the sending
state of each campaign (paused after too many consecutive errors).

``key`` is deterministic (campaign or trigger occurrence, customer, channel, step) and unique,
so enqueueing twice inserts once; workers claim rows with a lease (``lease_until``), so a killed
worker's rows are claimed again when the lease runs out.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class CampaignMessage(Base):
    __tablename__ = "campaign_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(20))  # email | sms | push | messenger
    kind: Mapped[str] = mapped_column(String(16))  # marketing | transactional
    campaign: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    """queued | held | retrying (claimable) · sent | bounced | dropped | failed (final)."""
    reason: Mapped[str | None] = mapped_column(String(200))
    """Why the gate or the provider put the row in its status (``consent``, ``quiet_hours``...)."""
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """Not claimed before this (not_before, the end of quiet hours, the next retry)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(None, "status", "due_at"),  # the claim
        Index(None, "customer_id", "sent_at"),  # frequency caps
        Index(None, "campaign", "status"),
    )


class CampaignSending(Base):
    """A campaign's run of consecutive send errors; ``paused_at`` stops its messages' claims."""

    __tablename__ = "campaign_sending"

    campaign: Mapped[str] = mapped_column(String(64), primary_key=True)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_reason: Mapped[str | None] = mapped_column(String(200))


class CampaignPolicy(Base):
    """The operator's frequency caps and quiet hours (one row, ``id`` 1; none: the defaults of
    ``gate.Caps`` and ``OMNICRM_QUIET_*``). The worker reads it for every batch it claims."""

    __tablename__ = "campaign_policy"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    channel_day: Mapped[int] = mapped_column(Integer)
    channel_week: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    quiet_from_hour: Mapped[int] = mapped_column(Integer)
    quiet_until_hour: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
