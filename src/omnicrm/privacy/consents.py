"""Consent changes with their history: every decision is a new ``consents`` row and the newest
per channel is in force; nothing is overwritten, so the history is the table."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.identity.aliases import alias_ids, live_id
from omnicrm.store.schema import Consent

CHANNELS = ("email", "sms", "push", "messenger", "calls")


@dataclass(frozen=True, slots=True)
class ConsentChange:
    channel: str
    granted: bool


@dataclass(frozen=True, slots=True)
class ConsentLine:
    channel: str
    granted: bool
    recorded_at: datetime
    source: str


def change_consents(
    session: Session, customer_id: int, changes: list[ConsentChange], *, source: str, now: datetime
) -> list[ConsentLine]:
    """Append one decision per change to the live profile; all or none (a bad channel names
    its place in the list). The history after the change comes back."""
    errors = [
        FieldError(f"changes[{n}].channel", f"unknown channel; known: {', '.join(CHANNELS)}")
        for n, change in enumerate(changes)
        if change.channel not in CHANNELS
    ]
    if not changes:
        errors.append(FieldError("changes", "at least one change"))
    if errors:
        raise InvalidRecord(errors)
    live = live_id(session, customer_id)
    session.add_all(
        Consent(customer_id=live, channel=c.channel, granted=c.granted, recorded_at=now,
                source=source)
        for c in changes
    )  # fmt: skip
    session.flush()
    return consent_history(session, live)


def consent_history(session: Session, customer_id: int) -> list[ConsentLine]:
    """Every decision on the person's profiles, oldest first."""
    ids = alias_ids(session, live_id(session, customer_id))
    rows = session.execute(
        select(Consent.channel, Consent.granted, Consent.recorded_at, Consent.source)
        .where(Consent.customer_id.in_(ids))
        .order_by(Consent.recorded_at, Consent.id)
    )
    return [ConsentLine(*row) for row in rows]


def in_force(history: list[ConsentLine]) -> dict[str, bool]:
    """The newest decision per channel (``history`` oldest first)."""
    return {line.channel: line.granted for line in history}
