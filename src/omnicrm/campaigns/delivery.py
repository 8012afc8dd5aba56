"""What happens to a message after the send comes back into the customer's events: sent,
delivered, opened, clicked, bounced, unsubscribed. Each is one ``events`` row keyed by
(message key, event), so a receipt posted twice is recorded once; a bounce marks the message,
and an unsubscribe appends a refusing consent for that channel."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType

from sqlalchemy import Connection, Executable, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.privacy.consents import ConsentChange, change_consents
from omnicrm.store.schema import Event
from omnicrm.store.schema.campaigns_outbox import CampaignMessage

RECEIPT_EVENTS = ("delivered", "opened", "clicked", "bounced", "unsubscribed")
SOURCE = "campaigns"
OUTBOX = CampaignMessage.__table__


@dataclass(frozen=True, slots=True)
class Receipt:
    key: str
    event: str  # delivered | opened | clicked | bounced | unsubscribed
    occurred_at: datetime
    detail: str | None = None


@dataclass
class ReceiptReport:
    recorded: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)


def append_event(
    conn: Connection, message: Mapping, event: str, at: datetime, **attrs: object
) -> bool:
    """Record ``event`` of ``message`` on its customer; False if it was already recorded."""
    return (
        conn.execute(_INSERT_EVENT[conn.dialect.name], _event(message, event, at, attrs)).first()
        is not None
    )


def append_events(
    conn: Connection, events: Sequence[tuple[Mapping, str, datetime, Mapping[str, object]]]
) -> None:
    """Record many (message, event, at, attrs) at once (one executemany), repeats ignored."""
    if events:
        conn.execute(_INSERT_EVENT[conn.dialect.name], [_event(*e) for e in events])


def _event(message: Mapping, event: str, at: datetime, attrs: Mapping[str, object]) -> dict:
    return {
        "source": SOURCE,
        "source_key": f"{message['key']}:{event}",
        "kind": f"message_{event}",
        "channel": message["channel"],
        "occurred_at": at,
        "customer_id": message["customer_id"],
        "attrs": {"key": message["key"], "campaign": message["campaign"], **attrs},
    }


def _insert_event(dialect: ModuleType) -> Executable:
    """Built once per dialect: the worker appends an event for every message it sends."""
    return (
        dialect.insert(Event.__table__)
        .on_conflict_do_nothing(index_elements=["source", "source_key"])
        .returning(Event.__table__.c.id)  # rowcount is not reliable here on psycopg
    )


_INSERT_EVENT = {"postgresql": _insert_event(postgresql), "sqlite": _insert_event(sqlite)}


def record_receipts(conn: Connection, provider: str, receipts: Sequence[Receipt]) -> ReceiptReport:
    """Record a provider's receipts; unknown keys are reported, not fatal (the provider would
    otherwise post the whole batch again forever)."""
    errors = [
        FieldError(f"receipts[{i}].event", f"must be one of {', '.join(RECEIPT_EVENTS)}")
        for i, r in enumerate(receipts)
        if r.event not in RECEIPT_EVENTS
    ] + [
        FieldError(f"receipts[{i}].occurred_at", "must carry a time zone")
        for i, r in enumerate(receipts)
        if r.occurred_at.tzinfo is None
    ]
    if errors:
        raise InvalidRecord(errors)
    report = ReceiptReport()
    keys = {r.key for r in receipts}
    messages = {
        m["key"]: m for m in conn.execute(select(OUTBOX).where(OUTBOX.c.key.in_(keys))).mappings()
    }
    for receipt in receipts:
        message = messages.get(receipt.key)
        if message is None:
            report.unknown.append(receipt.key)
            continue
        attrs = {"provider": provider, "detail": receipt.detail}
        if not append_event(conn, message, receipt.event, receipt.occurred_at, **attrs):
            report.duplicates += 1
            continue
        report.recorded += 1
        if receipt.event == "bounced":
            conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == message["id"])
                .values(status="bounced", reason=f"{provider}: {receipt.detail or 'bounced'}"[:200])
            )
        elif receipt.event == "unsubscribed":
            unsubscribe(conn, message, receipt.occurred_at)
    return report


def unsubscribe(conn: Connection, message: Mapping, at: datetime) -> None:
    """The customer refused the channel the message came by: the refusal is now in force
    (recorded as every consent change is, on the live profile, with its history)."""
    with Session(bind=conn) as session:
        change_consents(
            session,
            message["customer_id"],
            [ConsentChange(message["channel"], False)],
            source="unsubscribe",
            now=at,
        )
