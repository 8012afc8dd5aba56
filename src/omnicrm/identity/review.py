"""The review queue: probable matches a person confirms (merge, and an always-link rule so a
replay keeps it) or rejects (a never-link rule so the model never proposes them again)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, NotFound
from omnicrm.identity.merge import merge_profiles
from omnicrm.identity.rules import add_rule
from omnicrm.store.schema import ReviewItem


def pending(session: Session, *, limit: int = 100, offset: int = 0) -> list[ReviewItem]:
    return list(
        session.scalars(
            select(ReviewItem)
            .where(ReviewItem.status == "pending")
            .order_by(ReviewItem.score.desc(), ReviewItem.id)
            .limit(limit)
            .offset(offset)
        )
    )


def _open(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    if item.status != "pending":
        raise Conflict(f"review item {item_id} was already {item.status}")
    return item


def approve(session: Session, item_id: int) -> ReviewItem:
    item = _open(session, item_id)
    merge = merge_profiles(
        session, item.left_id, item.right_id, method="probabilistic", score=item.score,
        evidence={**item.evidence, "rule": "review_approved", "review_id": item.id},
    )  # fmt: skip
    add_rule(
        session, "always_link", item.left_id, item.right_id, reason=f"review {item.id} approved"
    )
    item.status, item.decided_at, item.merge_id = "approved", utcnow(), merge.id
    return item


def reject(session: Session, item_id: int) -> ReviewItem:
    item = _open(session, item_id)
    add_rule(
        session, "never_link", item.left_id, item.right_id, reason=f"review {item.id} rejected"
    )
    item.status, item.decided_at = "rejected", utcnow()
    return item
