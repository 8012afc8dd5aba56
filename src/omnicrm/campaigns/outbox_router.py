"""HTTP routes of the outbox (``/campaigns/messages``: queue, look up, paused campaigns) and
the delivery receipts webhook providers post to (``/campaigns/providers/{name}/receipts``)."""

from typing import Annotated

from fastapi import APIRouter, Query

from omnicrm.api.deps import EngineDep
from omnicrm.api.responses import errors
from omnicrm.campaigns import messages
from omnicrm.campaigns.delivery import Receipt, record_receipts
from omnicrm.campaigns.outbox_schemas import (
    EnqueueIn,
    EnqueueOut,
    MessageOut,
    PauseOut,
    ReceiptsIn,
    ReceiptsOut,
)
from omnicrm.core.errors import NotFound

router = APIRouter(prefix="/campaigns/messages", tags=["campaigns"], responses=errors(404))
receipts_router = APIRouter(
    prefix="/campaigns/providers", tags=["campaigns"], responses=errors(404)
)


@router.post("", response_model=EnqueueOut, status_code=202)
def enqueue_messages(engine: EngineDep, body: EnqueueIn) -> EnqueueOut:
    """Queue messages (a key already queued is skipped); the worker sends them."""
    queued = [messages.OutgoingMessage(**m.model_dump()) for m in body.messages]
    with engine.begin() as conn:
        inserted = messages.enqueue(conn, queued)
    return EnqueueOut(inserted=inserted, duplicates=len(queued) - inserted)


@router.get("", response_model=list[MessageOut])
def list_messages(
    engine: EngineDep,
    campaign: str | None = None,
    customer_id: int | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict]:
    with engine.connect().execution_options(readonly=True) as conn:
        return messages.list_messages(
            conn,
            campaign=campaign,
            customer_id=customer_id,
            status=status,
            limit=limit,
            offset=offset,
        )


@router.get("/pauses", response_model=list[PauseOut])
def paused(engine: EngineDep) -> list[dict]:
    """Campaigns that paused themselves after consecutive send errors."""
    with engine.connect().execution_options(readonly=True) as conn:
        return messages.paused_campaigns(conn)


@router.delete("/pauses/{campaign}", status_code=204)
def resume(engine: EngineDep, campaign: str) -> None:
    """Resume the campaign: each waiting message is sent where it stopped."""
    with engine.begin() as conn:
        if not messages.resume(conn, campaign):
            raise NotFound(f"campaign {campaign!r} is not paused")


@receipts_router.post("/{name}/receipts", response_model=ReceiptsOut)
def receipts(engine: EngineDep, name: str, body: ReceiptsIn) -> ReceiptsOut:
    """A provider's delivery, open, click, bounce and unsubscribe receipts, by message key."""
    given = [Receipt(**r.model_dump()) for r in body.receipts]
    with engine.begin() as conn:
        report = record_receipts(conn, name, given)
    return ReceiptsOut(
        recorded=report.recorded, duplicates=report.duplicates, unknown=report.unknown
    )
