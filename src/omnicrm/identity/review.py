"""The review queue: probable matches a person confirms (merge, and an always-link rule so a
replay keeps it) or rejects (a never-link rule so the model never proposes them again), one at a
time or in bulk by score; and what the decisions so far say about where to put the thresholds.

An item whose two profiles are already one (merged since, by another item or a rule) or whose
profile was erased is *stale*: it is closed on the next write and never shown.
"""

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, NotFound
from omnicrm.identity.aliases import live_id
from omnicrm.identity.merge import merge_profiles
from omnicrm.identity.rules import add_rule
from omnicrm.store.schema import Customer, ReviewItem

ERASED_PREFIX = "erased/"
"""``customers.source_key`` of an erased profile (``privacy.erasure``)."""
BULK = "bulk"
"""Marks a bulk decision in ``decided_by``: made by a score, not by a person looking."""


def _stale_condition():  # type: ignore[no-untyped-def]
    left, right = aliased(Customer), aliased(Customer)
    one = func.coalesce(left.merged_into_id, left.id) == func.coalesce(
        right.merged_into_id, right.id
    )
    gone = or_(
        left.source_key.startswith(ERASED_PREFIX), right.source_key.startswith(ERASED_PREFIX)
    )
    return left, right, or_(one, gone)


def _pending_query(*, stale: bool):  # type: ignore[no-untyped-def]
    left, right, condition = _stale_condition()
    return (
        select(ReviewItem)
        .join(left, left.id == ReviewItem.left_id)
        .join(right, right.id == ReviewItem.right_id)
        .where(ReviewItem.status == "pending", condition if stale else ~condition)
    )


def pending(
    session: Session, *, limit: int = 100, offset: int = 0, min_score: float | None = None
) -> list[ReviewItem]:
    """Pending items best first, stale ones left out."""
    query = _pending_query(stale=False)
    if min_score is not None:
        query = query.where(ReviewItem.score >= min_score)
    return list(
        session.scalars(
            query.order_by(ReviewItem.score.desc(), ReviewItem.id).limit(limit).offset(offset)
        )
    )


def close_stale(session: Session) -> int:
    """Close every pending item whose profiles are already one or gone; how many were."""
    ids = list(session.scalars(_pending_query(stale=True).with_only_columns(ReviewItem.id)))
    if ids:
        session.execute(
            update(ReviewItem)
            .where(ReviewItem.id.in_(ids))
            .values(status="stale", decided_at=utcnow(), decided_by="stale")
        )
    return len(ids)


def queue(
    session: Session,
    left: int,
    right: int,
    score: float,
    evidence: dict,
    because: str | None = None,
) -> bool:
    """Put a pair on the queue (once: a pair already queued or decided is left alone)."""
    left, right = sorted((left, right))
    known = session.scalar(
        select(ReviewItem.id).where(ReviewItem.left_id == left, ReviewItem.right_id == right)
    )
    if known is not None:
        return False
    session.add(
        ReviewItem(left_id=left, right_id=right, score=score, evidence=evidence, status="pending",
                   created_at=utcnow(), queued_because=because)
    )  # fmt: skip
    session.flush()
    return True


def _is_stale(session: Session, item: ReviewItem) -> bool:
    people = [session.get(Customer, item.left_id), session.get(Customer, item.right_id)]
    if any(c is None or c.source_key.startswith(ERASED_PREFIX) for c in people):
        return True
    return live_id(session, item.left_id) == live_id(session, item.right_id)


def _open(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    if item.status == "pending" and _is_stale(session, item):
        item.status, item.decided_at, item.decided_by = "stale", utcnow(), "stale"
    if item.status != "pending":
        raise Conflict(f"review item {item_id} was already {item.status}")
    return item


def _approve(session: Session, item: ReviewItem, by: str) -> None:
    evidence = {**item.evidence, "rule": "review_approved", "review_id": item.id}
    method = item.evidence.get("method", "probabilistic")  # a pair the breaker held: its own
    merge = merge_profiles(
        session, item.left_id, item.right_id, method=method, score=item.score, evidence=evidence
    )
    add_rule(
        session, "always_link", item.left_id, item.right_id, reason=f"review {item.id} approved"
    )
    item.status, item.decided_at, item.merge_id, item.decided_by = (
        "approved", utcnow(), merge.id, by[:120]
    )  # fmt: skip


def _reject(session: Session, item: ReviewItem, by: str) -> None:
    add_rule(
        session, "never_link", item.left_id, item.right_id, reason=f"review {item.id} rejected"
    )
    item.status, item.decided_at, item.decided_by = "rejected", utcnow(), by[:120]


def approve(session: Session, item_id: int, *, by: str = "unknown") -> ReviewItem:
    item = _open(session, item_id)
    _approve(session, item, by)
    return item


def reject(session: Session, item_id: int, *, by: str = "unknown") -> ReviewItem:
    item = _open(session, item_id)
    _reject(session, item, by)
    return item


def bulk(
    session: Session,
    *,
    by: str,
    approve_from: float | None = None,
    reject_below: float | None = None,
) -> dict[str, int]:
    """Approve every pending item scoring at least ``approve_from`` and/or reject every one
    scoring below ``reject_below``; each item is recorded as decided by ``by`` in bulk. A
    threshold range that overlaps is refused (an item cannot be both)."""
    if approve_from is None and reject_below is None:
        raise Conflict("say approve_from, reject_below or both")
    if approve_from is not None and reject_below is not None and reject_below > approve_from:
        raise Conflict(f"reject_below {reject_below} is above approve_from {approve_from}")
    done = {"approved": 0, "rejected": 0, "stale": close_stale(session)}
    base = _pending_query(stale=False).order_by(ReviewItem.score.desc(), ReviewItem.id)
    if approve_from is not None:
        note = f"{by} ({BULK} approve >= {approve_from:g})"
        for item in session.scalars(base.where(ReviewItem.score >= approve_from)).all():
            if _is_stale(session, item):  # an earlier approval in this batch made them one
                item.status, item.decided_at, item.decided_by = "stale", utcnow(), "stale"
                done["stale"] += 1
                continue
            _approve(session, item, note)
            done["approved"] += 1
    if reject_below is not None:
        note = f"{by} ({BULK} reject < {reject_below:g})"
        for item in session.scalars(base.where(ReviewItem.score < reject_below)).all():
            _reject(session, item, note)
            done["rejected"] += 1
    return done


def threshold_curve(session: Session, steps: int = 50) -> dict:
    """Estimated precision and recall of merging from each threshold on, from the decisions
    people made one by one (bulk and stale ones left out): precision = approved / decided among
    the items scoring at least the threshold; recall = approved scoring at least it / all
    approved. Only pairs that reached the queue count, so recall is of the pairs people
    confirmed, not of every true pair."""
    rows = session.execute(
        select(ReviewItem.score, ReviewItem.status).where(
            ReviewItem.status.in_(("approved", "rejected")),
            or_(ReviewItem.decided_by.is_(None), ~ReviewItem.decided_by.contains(f"({BULK} ")),
        )
    ).all()
    approved = sorted(s for s, status in rows if status == "approved")
    rejected = sorted(s for s, status in rows if status == "rejected")
    points = []
    if rows:
        low = min(s for s, _ in rows)
        for i in range(steps + 1):
            t = low + (1 - low) * i / steps
            a = sum(1 for s in approved if s >= t)
            r = sum(1 for s in rejected if s >= t)
            if a + r:
                points.append(
                    {"threshold": round(t, 4), "precision": a / (a + r),
                     "recall": a / len(approved) if approved else 0.0, "decided": a + r}
                )  # fmt: skip
    return {"approved": len(approved), "rejected": len(rejected), "points": points}


def counts(session: Session) -> dict[str, int]:
    """Items by status, pending ones counted without the stale."""
    rows = dict(
        session.execute(select(ReviewItem.status, func.count()).group_by(ReviewItem.status)).all()
    )
    live = session.scalar(_pending_query(stale=False).with_only_columns(func.count()))
    return {**{k: int(v) for k, v in rows.items()}, "pending": int(live or 0)}
