"""Triggered messages as data: what causes one (``kind`` and its ``params``), the channel and
the Liquid templates, and the watermark up to which the trigger job has looked."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class CampaignTrigger(Base):
    __tablename__ = "campaign_triggers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # welcome | abandoned_cart | birthday | ...
    params: Mapped[dict] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[dict | None] = mapped_column(JSON)
    """An audience rule each customer must meet at the occurrence (none: everyone)."""
    expire_hours: Mapped[int] = mapped_column(Integer)
    """How long a message stays worth sending (at the till: how long it waits to be shown)."""
    enabled: Mapped[bool] = mapped_column(Boolean)
    watermark: Mapped[datetime] = mapped_column(UtcDateTime)
    """Occurrences up to this time have been looked at (the creation time at first)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
