"""HTTP routes of identity resolution: bulk run, review queue, merge preview, unmerge, cards."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.api.responses import errors
from omnicrm.core.bounds import Id, Offset
from omnicrm.identity import cards, review
from omnicrm.identity.merge import preview_merge, preview_unmerge, unmerge
from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import QuarantinedIdentifier, ReviewItem

router = APIRouter(prefix="/identity", tags=["identity"])


def _item(item: ReviewItem) -> dict:
    return {
        "id": item.id, "left_id": item.left_id, "right_id": item.right_id, "score": item.score,
        "evidence": item.evidence, "status": item.status, "merge_id": item.merge_id,
    }  # fmt: skip


@router.post("/resolve")
def resolve(engine: EngineDep, probabilistic: Annotated[bool, Query()] = False) -> dict:
    """Re-resolve every record (deterministic, then optionally probabilistic)."""
    return resolve_all(engine, probabilistic=probabilistic).as_dict()


@router.get("/review")
def review_queue(
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[dict]:
    return [_item(i) for i in review.pending(session, limit=limit, offset=offset)]


@router.post("/review/{item_id}/approve", responses=errors(404, 409))
def approve(engine: EngineDep, item_id: Id) -> dict:
    with unit_of_work(engine) as session:
        return _item(review.approve(session, item_id))


@router.post("/review/{item_id}/reject", responses=errors(404, 409))
def reject(engine: EngineDep, item_id: Id) -> dict:
    with unit_of_work(engine) as session:
        return _item(review.reject(session, item_id))


@router.get("/merges/preview", responses=errors(404, 409))
def merge_preview(engine: EngineDep, a: Id, b: Id) -> dict:
    """What merging profiles ``a`` and ``b`` would move (nothing is changed)."""
    with unit_of_work(engine) as session:
        return preview_merge(session, a, b).as_dict()


@router.get("/merges/{merge_id}/unmerge-preview", responses=errors(404, 409))
def unmerge_preview(engine: EngineDep, merge_id: Id) -> dict:
    with unit_of_work(engine) as session:
        return preview_unmerge(session, merge_id).as_dict()


@router.post("/merges/{merge_id}/unmerge", responses=errors(404, 409))
def unmerge_profiles(engine: EngineDep, merge_id: Id) -> dict:
    with unit_of_work(engine) as session:
        return unmerge(session, merge_id).as_dict()


@router.get("/cards")
def cards_report(session: ReadSessionDep) -> dict:
    """Duplicate, orphan and shared (house) loyalty cards with their evidence."""
    return asdict(cards.cards_report(session))


@router.get("/quarantine")
def quarantine(session: ReadSessionDep) -> list[dict]:
    rows = session.scalars(select(QuarantinedIdentifier).order_by(QuarantinedIdentifier.id))
    return [
        {"kind": q.kind, "value": q.value, "reason": q.reason, "evidence": q.evidence} for q in rows
    ]
