"""The campaigns store: saved audiences (a rule as JSON), their dated snapshots (the members
frozen when taken), campaigns and their A/B variants (Liquid templates). The outbox a launch
fills is the ``sending`` part's ``campaign_messages``."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class Audience(Base):
    __tablename__ = "audiences"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    rules: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AudienceSnapshot(Base):
    """An audience's members as evaluated at ``taken_at``; never changed once written."""

    __tablename__ = "audience_snapshots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    size: Mapped[int] = mapped_column(Integer)
    members: Mapped[bytes] = mapped_column(LargeBinary)
    """Ascending customer ids, zlib of little-endian int64 gaps (``audiences.pack``)."""


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16))  # draft | scheduled | launched
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    window_days: Mapped[int] = mapped_column(Integer)
    """The measurement window, from the start."""
    control_bp: Mapped[int] = mapped_column(Integer)
    global_control_bp: Mapped[int | None] = mapped_column(Integer)
    """The global control share in force at launch (frozen for the measurement)."""
    offer_code: Mapped[str | None] = mapped_column(String(64))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("audience_snapshots.id"))
    queued: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    launched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CampaignVariant(Base):
    """One A/B variant: its share of the treated (``weight``) and its templates."""

    __tablename__ = "campaign_variants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    name: Mapped[str] = mapped_column(String(40))
    weight: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("campaign_id", "name"),)
