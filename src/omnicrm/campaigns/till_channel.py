"""The till as a channel: outbox messages of channel ``till`` are not sent by a provider; the
till's calculate shows the member's pending ones (receipt texts and cashier prompts) and its
confirm prints them and marks them delivered, so each is shown on one receipt only.

The read is one indexed query (the outbox by customer) that the till sends with the member's
other reads; the confirm's update runs only when there is something to deliver."""

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Select, bindparam, or_, select, update

from omnicrm.campaigns.delivery import append_event
from omnicrm.campaigns.messages import OUTBOX, TILL
from omnicrm.store.schema.loyalty import LoyaltyAccount


def pending(account: ColumnElement) -> Select:
    """The till messages waiting for the member of ``account`` (queued, due, not expired), by
    ``:now``; built once per caller (the till finds ``account`` in the same statement)."""
    return (
        select(*(OUTBOX.c[n] for n in ("id", "key", "customer_id", "channel", "campaign")))
        .add_columns(OUTBOX.c.subject, OUTBOX.c.text)
        .join(LoyaltyAccount, LoyaltyAccount.customer_id == OUTBOX.c.customer_id)
        .where(
            LoyaltyAccount.id == account,
            OUTBOX.c.channel == TILL,
            OUTBOX.c.status == "queued",
            or_(OUTBOX.c.due_at.is_(None), OUTBOX.c.due_at <= bindparam("now")),
            or_(OUTBOX.c.expires_at.is_(None), OUTBOX.c.expires_at > bindparam("now")),
        )
        .order_by(OUTBOX.c.id)
    )


def shown(rows: list[dict]) -> list[dict]:
    """The messages as the quote lists them (beside the promotions' messages)."""
    return [
        {"audience": r["subject"] or "receipt", "text": r["text"], "message": r["key"]}
        for r in rows
    ]


def deliver(conn: Connection, rows: list[dict], now: datetime, receipt: str) -> list[dict]:
    """At confirm, in its transaction: the pending ``rows`` (read under the account's lock),
    each marked sent on ``receipt`` (``terminal/receipt_id``) with a ``message_delivered``
    event; what the receipt prints."""
    if not rows:
        return []
    conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_([r["id"] for r in rows]), OUTBOX.c.status == "queued")
        .values(status="sent", reason=None, sent_at=now, provider=TILL, provider_id=receipt)
    )
    for r in rows:
        append_event(conn, r, "delivered", now, provider=TILL, receipt=receipt)
    return shown(rows)
