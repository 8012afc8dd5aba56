"""Staff who sign in to the web workstation, and the audit of what they did with personal data.

Only a salted scrypt hash of each password is stored (see ``omnicrm.web.passwords``). The audit
only appends: who opened which customer's profile, who merged, unmerged or changed access (S2).
"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class StaffUser(Base):
    """A person with a role (marketer, analyst, store_staff, administrator); never deleted, only
    deactivated, so the audit keeps naming them."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    """Failed sign-ins in a row; enough of them lock the account for a while."""
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffAuditEntry(Base):
    """One action of one staff member on a subject (``customer:42``, ``user:anna``, ``key:pos``)."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "subject", "at"), Index(None, "user_id", "at"))
