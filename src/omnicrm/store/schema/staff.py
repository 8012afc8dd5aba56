"""Staff who sign in to the web workstation, and the audit of what they did with personal data.

Only a salted scrypt hash of each password is stored (see ``omnicrm.web.passwords``). The audit
only appends: who (a staff member or an API key) read which customer's data, who merged, unmerged
or changed access (S2).
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


class StaffSession(Base):
    """One sign-in: the cookie carries its token, only a SHA-256 of which is stored. Signing out,
    a new password, a new role or a deactivation sets ``revoked_at``, and the cookie opens
    nothing from then on, even before it expires."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffAuditEntry(Base):
    """One action on a subject (``customer:42``, ``user:anna``, ``key:pos``) by a staff member
    (``user_id``) or by a system through its API key (``key_id``): exactly one of the two."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(None, "subject", "at"),
        Index(None, "user_id", "at"),
        Index(None, "key_id", "at"),
    )
