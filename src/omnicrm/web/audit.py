"""The access audit (S2): who opened which customer's profile, who merged, unmerged or changed
access, and when. Written in the same transaction as the action it records. API keys' reads of
customer data are in the same table (``omnicrm.access.audit``), shown as ``key:NAME``."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from omnicrm.store.schema import ApiKey
from omnicrm.store.schema.staff import StaffAuditEntry, StaffUser


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    username: str
    action: str
    subject: str


def record(session: Session, user_id: int, action: str, subject: str, now: datetime) -> None:
    session.add(StaffAuditEntry(user_id=user_id, action=action, subject=subject, at=now))


def recent(session: Session, *, subject: str | None = None, limit: int = 200) -> list[AuditLine]:
    """Newest first; optionally about one subject (``customer:42``)."""
    entry = StaffAuditEntry
    who = func.coalesce(StaffUser.username, literal("key:") + ApiKey.name)
    query = (
        select(entry.at, who, entry.action, entry.subject)
        .outerjoin(StaffUser, StaffUser.id == entry.user_id)
        .outerjoin(ApiKey, ApiKey.id == entry.key_id)
        .order_by(StaffAuditEntry.id.desc())
        .limit(limit)
    )
    if subject is not None:
        query = query.where(StaffAuditEntry.subject == subject)
    return [AuditLine(*row) for row in session.execute(query)]
