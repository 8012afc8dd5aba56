"""Merges that can be explained and undone.

``merge_profiles`` moves a profile's orders, events and identifiers to the survivor (the lower id:
the older profile keeps its id; the other stays valid as an alias) and records the evidence and the
exact rows moved. ``unmerge`` moves those rows back (or, for a merge the bulk resolver made,
re-resolves both profiles) and records a never-link rule so no later run joins them again.
Consents are never moved: the profile's consent in force per channel is the latest decision over
the profile and its aliases, so an unmerge gives each side its own decisions back untouched.
``preview_*`` run the same code inside a savepoint and roll it back.
"""

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, NotFound
from omnicrm.identity.aliases import live_id
from omnicrm.identity.rules import add_rule, remove_rule
from omnicrm.store.schema import Customer, Event, Identifier, LinkRule, Merge, Order

MOVED_TABLES = (("orders", Order), ("events", Event), ("identifiers", Identifier))


@dataclass(frozen=True)
class Change:
    """What a merge or an unmerge moves: row ids per table, from one profile to another."""

    from_id: int
    to_id: int
    orders: list[int]
    events: list[int]
    identifiers: list[int]

    def as_dict(self) -> dict:
        return {
            "from_id": self.from_id,
            "to_id": self.to_id,
            "orders": self.orders,
            "events": self.events,
            "identifiers": self.identifiers,
        }


def _ids_on(session: Session, model: type, customer_id: int) -> list[int]:
    return list(
        session.scalars(select(model.id).where(model.customer_id == customer_id).order_by(model.id))
    )


def merge_profiles(
    session: Session,
    a: int,
    b: int,
    *,
    method: str,
    evidence: dict,
    score: float | None = None,
) -> Merge:
    """Merge the live profiles behind ``a`` and ``b``; the lower id survives. A never-link rule
    between them refuses the merge."""
    left, right = sorted((live_id(session, a), live_id(session, b)))
    if left == right:
        raise Conflict(f"customers {a} and {b} are already one profile")
    never = session.scalar(
        select(LinkRule.id).where(
            LinkRule.kind == "never_link", LinkRule.left_id == left, LinkRule.right_id == right
        )
    )
    if never:
        raise Conflict(f"customers {left} and {right} must never be linked (rule {never})")
    survivor, absorbed = left, right
    moved = {name: _ids_on(session, model, absorbed) for name, model in MOVED_TABLES}
    aliases = list(session.scalars(select(Customer.id).where(Customer.merged_into_id == absorbed)))
    for _, model in MOVED_TABLES:
        session.execute(
            update(model).where(model.customer_id == absorbed).values(customer_id=survivor)
        )
    session.execute(
        update(Customer)
        .where((Customer.id == absorbed) | (Customer.merged_into_id == absorbed))
        .values(merged_into_id=survivor)
    )
    merge = Merge(
        survivor_id=survivor,
        absorbed_id=absorbed,
        method=method,
        score=score,
        evidence={**evidence, "moved": {**moved, "aliases": aliases}},
        created_at=utcnow(),
    )
    session.add(merge)
    session.flush()
    return merge


def unmerge(session: Session, merge_id: int, *, reason: str = "unmerged by staff") -> Change:
    """Undo merge ``merge_id``: both profiles get back what they had, and a never-link rule keeps
    them apart in every later resolution."""
    merge = session.get(Merge, merge_id)
    if merge is None:
        raise NotFound(f"no merge {merge_id}")
    if merge.undone_at is not None:
        raise Conflict(f"merge {merge_id} was already undone")
    survivor, absorbed = merge.survivor_id, merge.absorbed_id
    merge.undone_at, merge.undone_reason = utcnow(), reason
    remove_rule(session, "always_link", survivor, absorbed)
    add_rule(session, "never_link", survivor, absorbed, reason=f"unmerge of merge {merge_id}")
    moved = merge.evidence.get("moved")
    session.execute(update(Customer).where(Customer.id == absorbed).values(merged_into_id=None))
    if moved is not None:
        for name, model in MOVED_TABLES:
            session.execute(
                update(model)
                .where(model.id.in_(moved[name]), model.customer_id == survivor)
                .values(customer_id=absorbed)
            )
        if moved["aliases"]:
            session.execute(
                update(Customer)
                .where(Customer.id.in_(moved["aliases"]))
                .values(merged_into_id=absorbed)
            )
        session.flush()
        return Change(survivor, absorbed, moved["orders"], moved["events"], moved["identifiers"])
    from omnicrm.identity.resolve import reresolve_profiles

    before = {name: set(_ids_on(session, model, absorbed)) for name, model in MOVED_TABLES}
    session.flush()
    reresolve_profiles(session, [survivor, absorbed])
    after = {name: _ids_on(session, model, absorbed) for name, model in MOVED_TABLES}
    return Change(
        survivor,
        absorbed,
        *[sorted(set(after[name]) - before[name]) for name, _ in MOVED_TABLES],
    )


def preview_merge(session: Session, a: int, b: int) -> Change:
    """What ``merge_profiles(a, b)`` would move, without changing anything."""
    savepoint = session.begin_nested()
    try:
        merge = merge_profiles(session, a, b, method="preview", evidence={})
        moved = merge.evidence["moved"]
        return Change(
            merge.absorbed_id,
            merge.survivor_id,
            moved["orders"],
            moved["events"],
            moved["identifiers"],
        )
    finally:
        savepoint.rollback()


def preview_unmerge(session: Session, merge_id: int) -> Change:
    """What ``unmerge(merge_id)`` would move back, without changing anything."""
    savepoint = session.begin_nested()
    try:
        return unmerge(session, merge_id)
    finally:
        savepoint.rollback()


def merges_of(session: Session, customer_id: int) -> list[Merge]:
    """Every merge the profile took part in, newest first."""
    return list(
        session.scalars(
            select(Merge)
            .where((Merge.survivor_id == customer_id) | (Merge.absorbed_id == customer_id))
            .order_by(Merge.id.desc())
        )
    )
