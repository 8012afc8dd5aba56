"""Resolving one new record as it streams in: look its identifiers up, then attach it to the
profile they name, create a profile, or merge the profiles it proves to be one person.

The same policies as the bulk run decide, through indexed lookups only (no scan), so one record
costs a handful of point queries whatever the size of the store.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, false, func, insert, or_, select, update
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.identity import review
from omnicrm.identity.aliases import live_id
from omnicrm.identity.breaker import stream_may_merge, stream_record
from omnicrm.identity.housecards import too_frequent
from omnicrm.identity.merge import merge_profiles
from omnicrm.identity.person import PersonFacts, clearly_different
from omnicrm.identity.policy import (
    anchor_key,
    creates_profile,
    is_blocked,
    links_alone,
    links_corroborated,
    policy_of,
    priority,
)
from omnicrm.identity.sightings import link_sightings, sightings_near
from omnicrm.identity.snapshot import RESOLVED_SOURCE
from omnicrm.store.schema import (
    Customer,
    Event,
    Identifier,
    LinkRule,
    Merge,
    Order,
    QuarantinedIdentifier,
    RecordIdentifier,
)

RECORD_MODELS = {"order": Order, "event": Event}


@dataclass
class RecordOutcome:
    customer_id: int | None
    action: str  # attached | created | merged | anonymous
    merged: list[int] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    affected: set[int] = field(default_factory=set)
    """Profiles whose records must be re-resolved because an identifier they relied on was
    quarantined."""


def _pairs(model: type, pairs: list[tuple[str, str]]) -> ColumnElement[bool]:
    """``(kind, value)`` is one of ``pairs``, spelled as OR-ed equalities: a row-value ``IN``
    with several tuples makes SQLite scan the table instead of using the unique index."""
    if not pairs:
        return false()
    return or_(*(and_(model.kind == k, model.value == v) for k, v in pairs))  # type: ignore[attr-defined]


def _usable(session: Session, record_type: str, record_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(RecordIdentifier.kind, RecordIdentifier.value).where(
            RecordIdentifier.record_type == record_type, RecordIdentifier.record_id == record_id
        )
    ).all()
    return usable_identifiers(session, rows)  # type: ignore[arg-type]


def usable_identifiers(session: Session, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The identifiers that may link (by policy, not blocked, not quarantined), strongest first."""
    linkable = sorted(
        (
            (k, v)
            for k, v in rows
            if (links_alone(k) or links_corroborated(k)) and not is_blocked(k, v)
        ),
        key=lambda kv: (priority(kv[0]), kv),
    )
    if not linkable:
        return []
    quarantined = set(
        session.execute(
            select(QuarantinedIdentifier.kind, QuarantinedIdentifier.value).where(
                _pairs(QuarantinedIdentifier, linkable)
            )
        ).all()
    )
    return [kv for kv in linkable if kv not in quarantined]


def _is_house_card(session: Session, record_id: int, value: str) -> dict | None:
    """House card evidence a single receipt can settle: its card's receipts that day above what
    a household makes (``housecards.too_frequent``); the signals that need the card's whole
    history (different contacts, two tills at once) are the bulk run's."""
    limit = policy_of("card").max_receipts_a_day  # type: ignore[union-attr]
    placed = session.scalar(select(Order.placed_at).where(Order.id == record_id))
    if placed is None or limit is None:
        return None
    start = datetime(placed.year, placed.month, placed.day, tzinfo=UTC)
    # The card's records by the (kind, value) index first: the planner, left alone, may walk
    # every order's identifiers by record type instead.
    carriers = [
        rid
        for rtype, rid in session.execute(
            select(RecordIdentifier.record_type, RecordIdentifier.record_id).where(
                RecordIdentifier.kind == "card", RecordIdentifier.value == value
            )
        )
        if rtype == "order"
    ]
    if len(carriers) <= limit:
        return None
    n = session.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.id.in_(carriers),
            Order.placed_at >= start,
            Order.placed_at < start + timedelta(days=1),
        )
    )
    evidence = too_frequent("card", n or 0)
    return evidence and {**evidence, "day": start.date().isoformat()}


def _quarantine(session: Session, kind: str, value: str, reason: str, evidence: dict) -> None:
    session.add(
        QuarantinedIdentifier(
            kind=kind, value=value, reason=reason, evidence=evidence, detected_at=utcnow()
        )
    )
    session.execute(
        update(Identifier)
        .where(Identifier.kind == kind, Identifier.value == value)
        .values(customer_id=None)
    )


def _absorbed(session: Session, customer_id: int) -> list[int]:
    """The profile and every profile merged into it, through the merges in force (indexed by
    survivor, so this stays a few point lookups however large ``customers`` is)."""
    found, frontier = {customer_id}, [customer_id]
    while frontier and len(found) < 1000:
        absorbed = session.scalars(
            select(Merge.absorbed_id).where(
                Merge.survivor_id.in_(frontier), Merge.undone_at.is_(None)
            )
        )
        frontier = [a for a in set(absorbed) if a not in found]
        found.update(frontier)
    return sorted(found)


def _people_of(session: Session, customer_id: int) -> list[tuple[int, PersonFacts]]:
    rows = session.execute(
        select(
            Customer.id,
            Customer.first_name,
            Customer.last_name,
            Customer.birth_date,
            Customer.gender,
        ).where(
            Customer.id.in_(_absorbed(session, customer_id)),
            Customer.source != RESOLVED_SOURCE,
        )
    )
    return [(cid, PersonFacts(f, last, b, g)) for cid, f, last, b, g in rows]


def _may_join(session: Session, a: int, b: int) -> bool:
    """The over-merge guard: no never-link rule between them, no two clearly different people."""
    left, right = sorted((a, b))
    if session.scalar(
        select(LinkRule.id).where(
            LinkRule.kind == "never_link", LinkRule.left_id == left, LinkRule.right_id == right
        )
    ):
        return False
    pa_, pb = _people_of(session, a), _people_of(session, b)
    return not any(clearly_different(x, y) for _, x in pa_ for _, y in pb)


def _owners(session: Session, idents: list[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
    rows = session.execute(
        select(Identifier.kind, Identifier.value, Identifier.customer_id).where(
            _pairs(Identifier, idents)
        )
    ).all()
    return {(k, v): (live_id(session, cid) if cid is not None else None) for k, v, cid in rows}


def _claim(session: Session, idents: list[tuple[str, str]], known: dict, customer_id: int) -> None:
    """Give the record's unowned identifiers to its profile."""
    fresh = [kv for kv in idents if kv not in known]
    if fresh:
        now = utcnow()
        session.execute(
            insert(Identifier),
            [
                {"kind": k, "value": v, "customer_id": customer_id, "first_seen_at": now}
                for k, v in fresh
            ],
        )
    orphaned = [kv for kv, owner in known.items() if owner is None]
    if orphaned:
        session.execute(
            update(Identifier).where(_pairs(Identifier, orphaned)).values(customer_id=customer_id)
        )


def _join_owners(
    session: Session,
    strong: list[tuple[str, str]],
    known: dict[tuple[str, str], int | None],
    record: str,
    outcome: RecordOutcome,
) -> None:
    """Point ``outcome`` at the profile the strong identifiers name, merging the profiles they
    prove to be one person; an identifier naming a clearly different person is quarantined
    (and dropped from ``strong`` and ``known``)."""
    owners: list[int] = []
    for kv in list(strong):
        owner = known.get(kv)
        if owner is None or owner in owners:
            continue
        if owners and not _may_join(session, owners[0], owner):
            _quarantine(session, *kv, "conflict", {"profiles": sorted({owners[0], owner})})
            outcome.quarantined.append(kv)
            strong.remove(kv)
            known.pop(kv)
            continue
        owners.append(owner)
    if not owners:
        return
    target = min(owners)
    for other in sorted(set(owners) - {target}):
        shared = [f"{k}:{v}" for k, v in strong]
        evidence = {"rule": "shared_identifier", "identifiers": shared, "record": record}
        held = stream_may_merge(session)
        if held:  # the circuit breaker: a person decides, the record stays on the target
            review.queue(
                session, target, other, 1.0, {**evidence, "method": "deterministic"}, because=held
            )
            continue
        merge_profiles(session, target, other, method="deterministic", evidence=evidence)
        outcome.merged.append(other)
    outcome.customer_id, outcome.action = target, "merged" if outcome.merged else "attached"


def find_profile(
    session: Session, identifiers: list[tuple[str, str]], record: str
) -> RecordOutcome:
    """The profile normalised ``identifiers`` name by the resolution policies (blocked and
    quarantined values ignored, profiles they prove one person merged); ``anonymous`` when none
    does. Creates nothing: the caller (an enrolment) makes the profile it needs."""
    strong = [kv for kv in usable_identifiers(session, identifiers) if links_alone(kv[0])]
    outcome = RecordOutcome(None, "anonymous")
    _join_owners(session, strong, _owners(session, strong), record, outcome)
    return outcome


def resolve_record(session: Session, record_type: str, record_id: int) -> RecordOutcome:
    """Attach record ``record_id`` of ``record_type`` ('order' | 'event') to its profile."""
    model = RECORD_MODELS[record_type]
    stream_record(session)
    idents = _usable(session, record_type, record_id)
    outcome = RecordOutcome(None, "anonymous")
    if record_type == "order":
        for kind, value in [kv for kv in idents if kv[0] == "card"]:
            evidence = _is_house_card(session, record_id, value)
            if evidence:
                outcome.affected |= {c for c in _owners(session, [(kind, value)]).values() if c}
                _quarantine(session, kind, value, "house_card", evidence)
                idents.remove((kind, value))
                outcome.quarantined.append((kind, value))
    strong = [kv for kv in idents if links_alone(kv[0])]
    known = _owners(session, idents)
    _join_owners(session, strong, known, f"{record_type}:{record_id}", outcome)
    unowned = outcome.customer_id is None
    if (
        unowned
        and strong
        and creates_profile({k for k, _ in strong}, has_order=record_type == "order")
    ):
        anchor_kind, anchor_value = strong[0]
        customer = Customer(
            created_at=utcnow(),
            source=RESOLVED_SOURCE,
            source_key=anchor_key(anchor_kind, anchor_value),
        )
        session.add(customer)
        session.flush()
        outcome.customer_id, outcome.action = customer.id, "created"
    elif unowned:
        weak = [kv for kv in idents if links_corroborated(kv[0])]
        if weak and not strong and record_type == "event":
            session.flush()
            link_sightings(session, weak)
            known = _owners(session, weak)
        weak_owners = {known[kv] for kv in weak if known.get(kv)}
        if len(weak_owners) == 1 and not strong:
            outcome.customer_id, outcome.action = weak_owners.pop(), "attached"
        return _finish(session, model, record_id, outcome)
    claim = [kv for kv in strong + [kv for kv in idents if links_corroborated(kv[0])]]
    _claim(session, claim, {kv: known[kv] for kv in claim if kv in known}, outcome.customer_id)  # type: ignore[arg-type]
    return _finish(session, model, record_id, outcome)


def _finish(session: Session, model: type, record_id: int, outcome: RecordOutcome) -> RecordOutcome:
    if outcome.customer_id is not None:
        session.execute(
            update(model).where(model.id == record_id).values(customer_id=outcome.customer_id)
        )
        if model is Order:
            link_sightings(session, usable_identifiers(session, sightings_near(session, record_id)))
    if outcome.quarantined:
        from omnicrm.identity.resolve import reresolve_profiles

        if outcome.affected:
            session.flush()
            reresolve_profiles(session, sorted(outcome.affected))
    return outcome
