"""Sensor values (a hashed MAC, a face token) joining a profile as records stream in, by the rule
the bulk run applies (``partition.attach_corroborated``): a value belongs to the one profile it
is corroborated with, either seen on a record next to a strong identifier, or seen in a store
within the policy's minutes of that profile's identified receipts on enough distinct days.

Every new sighting and every new identified receipt in a store re-judges the values involved, so
a value that later turns out to follow two people (a staff phone, a couple) is let go again, as a
bulk run over the same records would.
"""

from collections import defaultdict
from datetime import UTC, date, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from omnicrm.core.clock import utcnow
from omnicrm.identity.aliases import live_id
from omnicrm.identity.policy import POLICIES, links_alone, links_corroborated, policy_of
from omnicrm.store.schema import Event, Identifier, Order, RecordIdentifier

_STRONG = [kind for kind in POLICIES if links_alone(kind)]
_beside = aliased(RecordIdentifier)


def _with_strong(kind: str, value: str):  # type: ignore[no-untyped-def]
    """The records carrying the value next to an identifier that links alone."""
    return (
        select(RecordIdentifier.record_type, RecordIdentifier.record_id)
        .join(
            _beside,
            and_(
                _beside.record_type == RecordIdentifier.record_type,
                _beside.record_id == RecordIdentifier.record_id,
                _beside.kind.in_(_STRONG),
            ),
        )
        .where(RecordIdentifier.kind == kind, RecordIdentifier.value == value)
        .distinct()
    )


def _near_receipts(session: Session, kind: str, value: str) -> set[int]:
    """Profiles with an identified receipt in the store within the policy's minutes of the
    value's sightings on at least the policy's number of distinct days."""
    policy = policy_of(kind)
    if policy is None or policy.near_receipt_minutes is None:
        return set()
    span = timedelta(minutes=policy.near_receipt_minutes)
    sightings = session.execute(
        select(Event.store_id, Event.occurred_at)
        .join(
            RecordIdentifier,
            and_(RecordIdentifier.record_type == "event", RecordIdentifier.record_id == Event.id),
        )
        .where(
            RecordIdentifier.kind == kind,
            RecordIdentifier.value == value,
            Event.store_id.is_not(None),
        )
    ).all()
    days: dict[int, set[date]] = defaultdict(set)
    for store_id, at in sightings:
        for owner in session.scalars(
            select(Order.customer_id).where(
                Order.store_id == store_id,
                Order.placed_at >= at - span,
                Order.placed_at <= at + span,
                Order.customer_id.is_not(None),
            )
        ):
            days[live_id(session, owner)].add(at.astimezone(UTC).date())
    return {owner for owner, seen in days.items() if len(seen) >= policy.near_receipt_days}


def corroborated_owner(session: Session, kind: str, value: str) -> int | None:
    """The one profile the value is corroborated with; None for none or several."""
    found = _near_receipts(session, kind, value)
    for record_type, record_id in session.execute(_with_strong(kind, value)):
        model = Order if record_type == "order" else Event
        owner = session.scalar(select(model.customer_id).where(model.id == record_id))
        if owner is not None:
            found.add(live_id(session, owner))
    return found.pop() if len(found) == 1 else None


def link_sightings(session: Session, values: list[tuple[str, str]]) -> None:
    """Re-judge each sensor value: point it and its sightings (the events that carry nothing
    stronger) at the profile it is corroborated with, or at nobody."""
    for kind, value in values:
        if not links_corroborated(kind):
            continue
        target = corroborated_owner(session, kind, value)
        row = session.scalar(
            select(Identifier).where(Identifier.kind == kind, Identifier.value == value)
        )
        stored = None if row is None else row.customer_id
        current = None if stored is None else live_id(session, stored)
        if target == current:
            continue
        if row is None:
            row = Identifier(kind=kind, value=value, customer_id=target, first_seen_at=utcnow())
            session.add(row)
        row.customer_id = target
        session.flush()
        carried = select(RecordIdentifier.record_id).where(
            RecordIdentifier.record_type == "event",
            RecordIdentifier.kind == kind,
            RecordIdentifier.value == value,
        )
        stronger = exists().where(
            _beside.record_type == "event",
            _beside.record_id == Event.id,
            _beside.kind.in_(_STRONG),
        )
        held = (
            Event.customer_id.is_(None)
            if stored is None
            else Event.customer_id.in_({stored, current})
        )
        session.execute(
            update(Event)
            .where(Event.id.in_(carried), held, ~stronger)
            .values(customer_id=target)
            .execution_options(synchronize_session=False)
        )


def sightings_near(session: Session, order_id: int) -> list[tuple[str, str]]:
    """The sensor values sighted in the order's store around its time (any policy's span)."""
    order = session.execute(
        select(Order.store_id, Order.placed_at).where(Order.id == order_id)
    ).one_or_none()
    spans = [p.near_receipt_minutes for p in POLICIES.values() if p.near_receipt_minutes]
    if order is None or order.store_id is None or not spans:
        return []
    span = timedelta(minutes=max(spans))
    rows = session.execute(
        select(RecordIdentifier.kind, RecordIdentifier.value)
        .join(
            Event,
            and_(RecordIdentifier.record_type == "event", RecordIdentifier.record_id == Event.id),
        )
        .where(
            Event.store_id == order.store_id,
            Event.occurred_at >= order.placed_at - span,
            Event.occurred_at <= order.placed_at + span,
            RecordIdentifier.kind.in_([k for k in POLICIES if links_corroborated(k)]),
        )
        .distinct()
    ).all()
    return [(kind, value) for kind, value in rows]
