"""The till as a channel: outbox messages of channel ``till`` are not sent by a provider; the
till's calculate shows the member's pending ones (receipt texts and cashier prompts) and its
confirm prints them and marks them delivered, so each is shown on one receipt only.

Both reads are one indexed query on the till's hot path (the outbox by customer); the confirm's
update runs only when there is something to deliver."""

from datetime import datetime

from sqlalchemy import Connection, bindparam, or_, select, update

from omnicrm.campaigns.delivery import append_event
from omnicrm.campaigns.messages import OUTBOX, TILL
from omnicrm.store.schema.loyalty import LoyaltyAccount

_PENDING = (  # built once: calculate runs it on every quote
    select(*(OUTBOX.c[n] for n in ("id", "key", "customer_id", "channel", "campaign")))
    .add_columns(OUTBOX.c.subject, OUTBOX.c.text)
    .join(LoyaltyAccount, LoyaltyAccount.customer_id == OUTBOX.c.customer_id)
    .where(
        LoyaltyAccount.id == bindparam("account"),
        OUTBOX.c.channel == TILL,
        OUTBOX.c.status == "queued",
        or_(OUTBOX.c.due_at.is_(None), OUTBOX.c.due_at <= bindparam("now")),
        or_(OUTBOX.c.expires_at.is_(None), OUTBOX.c.expires_at > bindparam("now")),
    )
    .order_by(OUTBOX.c.id)
)


def _shown(row: object) -> dict:
    """A message as the quote lists it (beside the promotions' messages)."""
    return {"audience": row.subject or "receipt", "text": row.text, "message": row.key}  # type: ignore[attr-defined]


def messages_at_till(conn: Connection, account_id: int, now: datetime) -> list[dict]:
    """What the till should print or show for this member now; writes nothing."""
    return [_shown(r) for r in conn.execute(_PENDING, {"account": account_id, "now": now})]


def deliver_at_till(conn: Connection, account_id: int, now: datetime, receipt: str) -> list[dict]:
    """At confirm, in its transaction: the member's pending till messages, each marked sent on
    ``receipt`` (``terminal/receipt_id``) with a ``message_delivered`` event."""
    rows = conn.execute(_PENDING, {"account": account_id, "now": now}).all()
    if not rows:
        return []
    conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_([r.id for r in rows]), OUTBOX.c.status == "queued")
        .values(status="sent", reason=None, sent_at=now, provider=TILL, provider_id=receipt)
    )
    for r in rows:
        append_event(conn, r._mapping, "delivered", now, provider=TILL, receipt=receipt)
    return [_shown(r) for r in rows]
