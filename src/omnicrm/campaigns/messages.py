"""The outbox: messages are written here before anything is sent, under a unique deterministic
key, and workers claim them with leases. Enqueueing the same message twice inserts it once;
a worker killed mid-send leaves its rows leased, and they are claimed again when the lease ends."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.ingest.sinks import open_sink
from omnicrm.store.membership import among
from omnicrm.store.schema.campaigns_outbox import CampaignMessage, CampaignSending

TILL = "till"
"""Shown at the till's calculate and delivered at its confirm (``till_channel``): no provider
sends it, so workers never claim it; it waits for the member's next receipt until it expires."""
SENT = ("email", "sms", "push", "messenger")
CHANNELS = (*SENT, TILL)
TILL_AUDIENCES = ("receipt", "cashier")
KINDS = ("marketing", "transactional")
CLAIMABLE = ("queued", "held", "retrying")
FINAL = ("sent", "bounced", "dropped", "failed")

OUTBOX = CampaignMessage.__table__
SENDING = CampaignSending.__table__


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    key: str  # deterministic: f"{campaign or trigger occurrence}:{customer_id}:{channel}:{step}"
    customer_id: int
    channel: str  # email | sms | push | messenger | till
    kind: str  # marketing | transactional
    campaign: str | None  # campaign code (None for a trigger)
    subject: str | None  # at the till: who sees the text, receipt (the default) | cashier
    text: str
    html: str | None
    not_before: datetime | None  # aware UTC; quiet hours may hold it later
    expires_at: datetime | None  # aware UTC; a send after it is dropped and says so


def _problems(i: int, m: OutgoingMessage) -> list[FieldError]:
    at = f"messages[{i}]"
    errors = []
    if not m.key or len(m.key) > 200:
        errors.append(FieldError(f"{at}.key", "must be 1 to 200 characters"))
    if m.channel not in CHANNELS:
        errors.append(FieldError(f"{at}.channel", f"must be one of {', '.join(CHANNELS)}"))
    if m.kind not in KINDS:
        errors.append(FieldError(f"{at}.kind", f"must be one of {', '.join(KINDS)}"))
    if m.channel == TILL and m.subject not in (None, *TILL_AUDIENCES):
        errors.append(FieldError(f"{at}.subject", "at the till: receipt or cashier"))
    if not m.text:
        errors.append(FieldError(f"{at}.text", "must not be empty"))
    for name in ("not_before", "expires_at"):
        value = getattr(m, name)
        if value is not None and value.tzinfo is None:
            errors.append(FieldError(f"{at}.{name}", "must carry a time zone"))
    return errors


def enqueue(conn: Connection, messages: Sequence[OutgoingMessage]) -> int:
    """Insert the messages not yet in the outbox (unique key); the number inserted."""
    errors = [e for i, m in enumerate(messages) for e in _problems(i, m)]
    if errors:
        raise InvalidRecord(errors)
    if not messages:
        return 0
    now = utcnow()
    rows = [
        (
            m.key,
            m.customer_id,
            m.channel,
            m.kind,
            m.campaign,
            m.subject,
            m.text,
            m.html,
            now,
            m.expires_at,
            "queued",
            m.not_before,
            0,
        )
        for m in messages
    ]
    return open_sink(conn).insert_new(OUTBOX.name, _ENQUEUED, rows, key="key")


_ENQUEUED = (
    "key",
    "customer_id",
    "channel",
    "kind",
    "campaign",
    "subject",
    "text",
    "html",
    "created_at",
    "expires_at",
    "status",
    "due_at",
    "attempts",
)


def _due(now: datetime, channels: Sequence[str]) -> list:
    """Rows a worker with providers for ``channels`` may send at ``now`` (leases aside)."""
    paused = select(SENDING.c.campaign).where(SENDING.c.paused_at.is_not(None))
    return [
        OUTBOX.c.status.in_(CLAIMABLE),
        OUTBOX.c.channel.in_([c for c in channels if c != TILL]),  # the till is no provider
        or_(OUTBOX.c.due_at.is_(None), OUTBOX.c.due_at <= now),
        or_(OUTBOX.c.campaign.is_(None), OUTBOX.c.campaign.not_in(paused)),
    ]


def claim(
    conn: Connection,
    owner: str,
    now: datetime,
    *,
    limit: int,
    lease: timedelta,
    channels: Sequence[str] = SENT,
) -> list[dict]:
    """Lease up to ``limit`` due rows to ``owner`` until ``now + lease``; the rows, oldest first.

    PostgreSQL skips rows another worker holds locked; SQLite's writer already holds the lock."""
    free = or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until <= now)
    due = select(OUTBOX.c.id).where(*_due(now, channels), free).order_by(OUTBOX.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    leased = (
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(due.scalar_subquery()))
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(*OUTBOX.c)
    )  # one statement: the due rows leased and read back
    rows = [dict(r) for r in conn.execute(leased).mappings()]
    return sorted(rows, key=lambda r: r["id"])


def pending(conn: Connection, now: datetime, channels: Sequence[str] = SENT) -> bool:
    """Whether anything is due now, leased or not (a leased row may come back to be claimed)."""
    row = conn.execute(select(OUTBOX.c.id).where(*_due(now, channels)).limit(1)).first()
    return row is not None


OUTCOME = ("status", "reason", "due_at", "attempts", "provider", "provider_id", "sent_at")
# built once: the worker runs it for every message, and building a statement costs more than
# running it (executemany)
_FINISH = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("b_id"), OUTBOX.c.lease_owner == bindparam("b_owner"))
    .values(lease_owner=None, lease_until=None, **{c: bindparam(c) for c in OUTCOME})
)


def finish(
    conn: Connection, outcomes: Sequence[tuple[Mapping, Mapping[str, object]]], owner: str
) -> set[int]:
    """Write outcomes (a row and the changes to its outcome columns) on the rows this owner
    still leases, releasing their leases, in one statement; the ids written (a row missing
    lost its lease: another worker took it over)."""
    for _, changes in outcomes:
        unknown = set(changes) - set(OUTCOME)
        if unknown:
            raise ValueError(f"not an outcome column: {', '.join(sorted(unknown))}")
    if not outcomes:
        return set()
    ids = [row["id"] for row, _ in outcomes]
    held = select(OUTBOX.c.id).where(among(conn, OUTBOX.c.id, ids), OUTBOX.c.lease_owner == owner)
    if conn.dialect.name == "postgresql":  # no takeover between this read and the update
        held = held.with_for_update()
    owned = set(conn.execute(held).scalars())
    values = [
        {"b_id": row["id"], "b_owner": owner, **{c: changes.get(c, row[c]) for c in OUTCOME}}
        for row, changes in outcomes
        if row["id"] in owned
    ]
    if values:
        conn.execute(_FINISH, values)
    return owned


def release(conn: Connection, ids: Sequence[int], owner: str) -> None:
    """Give rows back unsent (their campaign paused while they were claimed)."""
    if ids:
        conn.execute(
            update(OUTBOX)
            .where(among(conn, OUTBOX.c.id, ids), OUTBOX.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


def pause(conn: Connection, campaign: str, now: datetime, reason: str) -> bool:
    """Stop claiming a campaign's messages (by hand); False if it was paused already."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(SENDING).values(
        campaign=campaign, consecutive_errors=0, paused_at=now, paused_reason=reason
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign"],
        set_={"paused_at": now, "paused_reason": reason},
        where=SENDING.c.paused_at.is_(None),
    ).returning(SENDING.c.campaign)
    return conn.execute(stmt).first() is not None


def resume(conn: Connection, campaign: str) -> bool:
    """Lift a campaign's pause: its waiting messages become claimable again, each where it
    stopped. False if the campaign was not paused."""
    done = conn.execute(
        update(SENDING)
        .where(SENDING.c.campaign == campaign, SENDING.c.paused_at.is_not(None))
        .values(paused_at=None, paused_reason=None, consecutive_errors=0)
    )
    return done.rowcount == 1


def list_messages(
    conn: Connection,
    *,
    campaign: str | None = None,
    customer_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict]:
    """Outbox rows, newest first, with what happened to each and why."""
    query = select(OUTBOX).order_by(OUTBOX.c.id.desc()).limit(limit).offset(offset)
    for column, value in (("campaign", campaign), ("customer_id", customer_id), ("status", status)):
        if value is not None:
            query = query.where(OUTBOX.c[column] == value)
    return [dict(r) for r in conn.execute(query).mappings()]


def paused_campaigns(conn: Connection) -> list[dict]:
    query = select(SENDING).where(SENDING.c.paused_at.is_not(None)).order_by(SENDING.c.campaign)
    return [dict(r) for r in conn.execute(query).mappings()]
