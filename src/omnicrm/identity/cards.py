"""Duplicate and orphan loyalty cards (I3): which cards are one person, which have nobody behind
them, and which are shared by many people (a till's house card), each with its evidence."""

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from omnicrm.store.schema import Customer, Merge, QuarantinedIdentifier, RecordIdentifier

CARD_SOURCE = "members"


@dataclass
class CardsReport:
    duplicates: list[dict] = field(default_factory=list)
    orphans: list[dict] = field(default_factory=list)
    shared: list[dict] = field(default_factory=list)


def _duplicates(session: Session) -> list[dict]:
    survivor, absorbed = aliased(Customer), aliased(Customer)
    rows = session.execute(
        select(Merge, survivor.source_key, absorbed.source_key)
        .join(survivor, survivor.id == Merge.survivor_id)
        .join(absorbed, absorbed.id == Merge.absorbed_id)
        .where(
            Merge.undone_at.is_(None),
            survivor.source == CARD_SOURCE,
            absorbed.source == CARD_SOURCE,
        )
        .order_by(Merge.id)
    )
    return [
        {
            "card": card, "duplicate_card": dup, "customer_id": m.survivor_id,
            "duplicate_customer_id": m.absorbed_id, "merge_id": m.id, "method": m.method,
            "score": m.score, "evidence": {k: v for k, v in m.evidence.items() if k != "moved"},
        }
        for m, card, dup in rows
    ]  # fmt: skip


def _orphans(session: Session, limit: int) -> list[dict]:
    used = exists().where(
        RecordIdentifier.kind == "card",
        RecordIdentifier.value == Customer.source_key,
        RecordIdentifier.record_type.in_(("order", "event")),
    )
    contact = exists().where(
        RecordIdentifier.record_id == Customer.id,
        RecordIdentifier.record_type.in_(("customer", "member")),
        RecordIdentifier.kind.in_(("phone", "email")),
    )
    rows = session.execute(
        select(
            Customer.id,
            Customer.source_key,
            Customer.enrolled_at,
            used.label("used"),
            contact.label("contact"),
        )
        .where(Customer.source == CARD_SOURCE, and_(~used | ~contact))
        .order_by(Customer.id)
        .limit(limit)
    )
    return [
        {
            "card": card, "customer_id": cid, "issued_at": issued,
            "never_used": not was_used, "no_contact_data": not has_contact,
        }
        for cid, card, issued, was_used, has_contact in rows
    ]  # fmt: skip


def _shared(session: Session) -> list[dict]:
    uses = (
        select(func.count())
        .where(
            RecordIdentifier.kind == "card",
            RecordIdentifier.value == QuarantinedIdentifier.value,
            RecordIdentifier.record_type == "order",
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(QuarantinedIdentifier, uses)
        .where(QuarantinedIdentifier.kind == "card")
        .order_by(QuarantinedIdentifier.value)
    )
    return [
        {
            "card": q.value,
            "reason": q.reason,
            "orders": n,
            "evidence": q.evidence,
            "detected_at": q.detected_at,
        }
        for q, n in rows
    ]


def cards_report(session: Session, *, orphan_limit: int = 1000) -> CardsReport:
    """The three lists of I3 (orphans capped at ``orphan_limit``, oldest cards first)."""
    return CardsReport(_duplicates(session), _orphans(session, orphan_limit), _shared(session))
