"""Retired profile ids stay valid: each resolves to the live profile it was merged into."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.core.errors import NotFound
from omnicrm.store.schema import Customer

MAX_CHAIN = 32


def live_id(session: Session, customer_id: int) -> int:
    """The live profile behind ``customer_id`` (itself unless it was merged away)."""
    current = customer_id
    for _ in range(MAX_CHAIN):
        row = session.execute(
            select(Customer.merged_into_id).where(Customer.id == current)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no customer {customer_id}")
        if row[0] is None:
            return current
        current = row[0]
    raise NotFound(f"customer {customer_id} has an alias loop")


def alias_ids(session: Session, customer_id: int) -> list[int]:
    """The profile and every id merged into it, directly or through earlier merges."""
    found, frontier = [customer_id], [customer_id]
    while frontier:
        frontier = list(
            session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(frontier)))
        )
        found += frontier
    return sorted(found)
