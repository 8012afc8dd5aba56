"""Personal-data rights (S2): the erasures done on request, and the suppression list that keeps
an erased person from coming back with a later import or stream.

The list holds only keyed hashes of normalised identifier values (``privacy.suppression``), never
the values, so it is not itself personal data in clear.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class Erasure(Base):
    """One erasure: who asked it, why, when, and how much it removed (counts only)."""

    __tablename__ = "privacy_erasures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    profile_ids: Mapped[list] = mapped_column(JSON)
    """The live profile and every profile merged into it: all of them are anonymised."""
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100))
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    removed: Mapped[dict] = mapped_column(JSON, default=dict)


class Suppression(Base):
    """A keyed hash of one erased identifier; ingest strips (or skips) records carrying it."""

    __tablename__ = "privacy_suppressions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    erasure_id: Mapped[int] = mapped_column(ForeignKey("privacy_erasures.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
