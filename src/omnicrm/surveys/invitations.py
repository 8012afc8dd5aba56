"""Invitations after a purchase or a service contact: one per (survey, occasion, channel), keyed
like every outbox message, so inviting again (a trigger firing twice, a period re-run) queues
nothing new. ``invite_after`` is the seam triggers call; ``invite_period`` invites a period's
orders."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from omnicrm.campaigns import messages, unsubscribe
from omnicrm.core.errors import NotFound
from omnicrm.store.schema import Event, Order
from omnicrm.store.schema.surveys import SurveyInvitation
from omnicrm.surveys import links, repository
from omnicrm.surveys.questionnaire import Questionnaire

INVITATIONS = SurveyInvitation.__table__
VALID_FOR = timedelta(days=7)
"""An invitation not sent within a week of its occasion is dropped by the outbox (too late)."""


@dataclass(frozen=True, slots=True)
class Occasion:
    """What is asked about: an order (``kind`` order) or a service contact (an event)."""

    kind: str  # order | contact
    id: int
    customer_id: int
    store_id: int | None
    at: datetime


def order_occasion(conn: Connection, order_id: int) -> Occasion:
    row = conn.execute(
        select(Order.customer_id, Order.store_id, Order.placed_at).where(Order.id == order_id)
    ).first()
    if row is None or row.customer_id is None:
        raise NotFound(f"no order {order_id} of a known customer")
    return Occasion("order", order_id, row.customer_id, row.store_id, row.placed_at)


def contact_occasion(conn: Connection, event_id: int) -> Occasion:
    row = conn.execute(
        select(Event.customer_id, Event.store_id, Event.occurred_at).where(Event.id == event_id)
    ).first()
    if row is None or row.customer_id is None:
        raise NotFound(f"no contact event {event_id} of a known customer")
    return Occasion("contact", event_id, row.customer_id, row.store_id, row.occurred_at)


def key_of(survey: str, occasion: Occasion, channel: str) -> str:
    return f"survey-{survey}-{occasion.kind}-{occasion.id}:{occasion.customer_id}:{channel}:0"


def _message(survey: Questionnaire, invitation_id: int, o: Occasion, channel: str, key: str):  # type: ignore[no-untyped-def]
    url = links.link(invitation_id)
    what = "покупку" if o.kind == "order" else "обращение"
    text = f"Оцените, пожалуйста, {what}: {url}\nPlease rate your experience: {url}"
    if channel == "email":
        text += f"\n\nОтписаться / Unsubscribe: {unsubscribe.link(o.customer_id, channel, None)}"
    return messages.OutgoingMessage(
        key=key,
        customer_id=o.customer_id,
        channel=channel,
        kind="marketing",
        campaign=None,
        subject=f"{survey.name}" if channel == "email" else None,
        text=text,
        html=None,
        not_before=None,
        expires_at=o.at + VALID_FOR,
    )


def invite(
    conn: Connection, survey: Questionnaire, occasions: list[Occasion], now: datetime, channel: str
) -> int:
    """Record the invitations not made yet and queue their messages; how many were new."""
    if not occasions:
        return 0
    by_key = {key_of(survey.code, o, channel): o for o in occasions}
    rows = [
        {
            "key": key,
            "survey": survey.code,
            "customer_id": o.customer_id,
            "order_id": o.id if o.kind == "order" else None,
            "event_id": o.id if o.kind == "contact" else None,
            "store_id": o.store_id,
            "channel": channel,
            "invited_at": now,
        }
        for key, o in by_key.items()
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(INVITATIONS)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(INVITATIONS.c.id, INVITATIONS.c.key)
    )
    made = conn.execute(stmt, rows).all()
    messages.enqueue(conn, [_message(survey, r.id, by_key[r.key], channel, r.key) for r in made])
    return len(made)


def invite_after(
    conn: Connection, occasion: Occasion, survey_code: str, now: datetime, channel: str = "email"
) -> bool:
    """Invite the occasion's customer to ``survey_code``; False if already invited."""
    return invite(conn, repository.get(conn, survey_code), [occasion], now, channel) == 1


def invite_period(
    conn: Connection,
    survey_code: str,
    since: datetime,
    until: datetime,
    now: datetime,
    channel: str = "email",
) -> int:
    """Invite the customers of every order placed in ``[since, until)`` not invited yet."""
    survey = repository.get(conn, survey_code)
    rows = conn.execute(
        select(Order.id, Order.customer_id, Order.store_id, Order.placed_at)
        .where(
            Order.placed_at >= since,
            Order.placed_at < until,
            Order.customer_id.is_not(None),
            Order.status != "cancelled",
        )
        .order_by(Order.id)
    )
    occasions = [Occasion("order", r.id, r.customer_id, r.store_id, r.placed_at) for r in rows]
    return sum(
        invite(conn, survey, occasions[i : i + 5_000], now, channel)
        for i in range(0, len(occasions), 5_000)
    )
