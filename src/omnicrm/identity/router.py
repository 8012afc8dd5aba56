"""HTTP routes of identity resolution: bulk run, review queue (one by one and in bulk, with the
threshold curve), the operator's settings and the circuit breaker, merge preview, unmerge,
cards."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from omnicrm.api.deps import CallerDep, EngineDep, ReadSessionDep
from omnicrm.api.responses import errors
from omnicrm.core.bounds import Id, Offset
from omnicrm.core.clock import utcnow
from omnicrm.identity import breaker, cards, review, thresholds
from omnicrm.identity.merge import preview_merge, preview_unmerge, unmerge
from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import QuarantinedIdentifier, ReviewItem

router = APIRouter(prefix="/identity", tags=["identity"])


def _item(item: ReviewItem) -> dict:
    return {
        "id": item.id, "left_id": item.left_id, "right_id": item.right_id, "score": item.score,
        "evidence": item.evidence, "status": item.status, "merge_id": item.merge_id,
        "queued_because": item.queued_because, "decided_by": item.decided_by,
    }  # fmt: skip


Probability = Annotated[float, Field(gt=0, le=1)]


class SettingsIn(BaseModel):
    """The settings to change (the others keep their value): merge and review thresholds (match
    probabilities, review below merge) and the circuit breaker's factor, floor, window (earlier
    batches in the baseline) and stream batch size (records)."""

    model_config = ConfigDict(extra="forbid")

    merge_at: Probability | None = None
    review_at: Probability | None = None
    breaker_factor: Annotated[float, Field(ge=1, le=1000)] | None = None
    breaker_floor: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    breaker_window: Annotated[int, Field(ge=1, le=100)] | None = None
    stream_batch: Annotated[int, Field(ge=10, le=1_000_000)] | None = None


class BulkIn(BaseModel):
    """Approve every pending suggestion scoring at least ``approve_from``, reject every one
    scoring below ``reject_below`` (either or both)."""

    model_config = ConfigDict(extra="forbid")

    approve_from: Annotated[float, Field(ge=0, le=1)] | None = None
    reject_below: Annotated[float, Field(ge=0, le=1)] | None = None


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
def approve(engine: EngineDep, caller: CallerDep, item_id: Id) -> dict:
    with unit_of_work(engine) as session:
        return _item(review.approve(session, item_id, by=f"api:{caller.name}"))


@router.post("/review/{item_id}/reject", responses=errors(404, 409))
def reject(engine: EngineDep, caller: CallerDep, item_id: Id) -> dict:
    with unit_of_work(engine) as session:
        return _item(review.reject(session, item_id, by=f"api:{caller.name}"))


@router.post("/review/bulk", responses=errors(409))
def bulk_decide(engine: EngineDep, caller: CallerDep, body: BulkIn) -> dict:
    """Decide many suggestions by score; each is recorded as a bulk decision of this key.
    Stale ones (already one profile) are closed, not decided."""
    with unit_of_work(engine) as session:
        return review.bulk(session, by=f"api:{caller.name}", **body.model_dump())


@router.get("/review/curve")
def threshold_curve(session: ReadSessionDep) -> dict:
    """Estimated precision and recall vs threshold, from the one-by-one review decisions."""
    return review.threshold_curve(session)


@router.get("/settings")
def get_settings(session: ReadSessionDep) -> dict:
    return thresholds.load(session).as_dict()


@router.put("/settings")
def put_settings(engine: EngineDep, caller: CallerDep, body: SettingsIn) -> dict:
    """Change the given settings (422 naming each bad field, e.g. review_at not below merge_at;
    nothing changes then); the next batch uses them."""
    with unit_of_work(engine) as session:
        changes = body.model_dump(exclude_none=True)
        return thresholds.save(session, changes, utcnow(), f"api:{caller.name}").as_dict()


@router.get("/status")
def status(session: ReadSessionDep) -> dict:
    """Settings, whether the circuit breaker stopped automatic merging and why, the latest
    batches it judged, and the review queue by status."""
    return {**breaker.status(session), "review": review.counts(session)}


@router.post("/breaker/reset")
def reset_breaker(engine: EngineDep, caller: CallerDep) -> dict:
    """Close the circuit breaker: automatic merging runs again (held pairs stay in review)."""
    with unit_of_work(engine) as session:
        breaker.reset(session, f"api:{caller.name}")
        return breaker.status(session)


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
