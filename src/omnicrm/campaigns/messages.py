"""The outbox seam: what a campaign or a trigger hands to the sender. Owned by the ``sending``
part (its version, with the ``campaign_messages`` table, replaces this one at merge)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    key: str  # deterministic: f"{campaign or trigger occurrence}:{customer_id}:{channel}:{step}"
    customer_id: int
    channel: str  # email | sms | push | messenger
    kind: str  # marketing | transactional
    campaign: str | None  # campaign code (None for a trigger)
    subject: str | None
    text: str
    html: str | None
    not_before: datetime | None  # aware UTC; quiet hours may hold it later
    expires_at: datetime | None  # aware UTC; a send after it is dropped and says so


def enqueue(conn: Connection, messages: Sequence[OutgoingMessage]) -> int:
    """Insert the messages not yet in the outbox (unique key); the number inserted."""
    raise NotImplementedError("the outbox is the sending part's campaign_messages table")
