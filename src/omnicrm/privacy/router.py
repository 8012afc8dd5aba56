"""HTTP routes of personal-data rights: export, erasure and consent changes (scope
``privacy:manage``; the erasure names the calling key as its actor)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from omnicrm.api.deps import CallerDep, EngineDep, NowDep, ReadSessionDep
from omnicrm.api.responses import errors
from omnicrm.core.bounds import Id
from omnicrm.privacy import consents
from omnicrm.privacy.erasure import MAX_REASON, erase_customer
from omnicrm.privacy.export import export_bytes
from omnicrm.privacy.holdings import holdings
from omnicrm.store.db import unit_of_work

router = APIRouter(prefix="/privacy", tags=["privacy"], responses=errors(404))
MEDIA = {"json": "application/json", "csv": "application/zip"}


class EraseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class ErasureOut(BaseModel):
    id: int
    customer_id: Id
    profile_ids: list[int]
    reason: str
    actor: str
    erased_at: datetime
    removed: dict[str, int]


class ConsentChangeIn(BaseModel):
    channel: str = Field(description=f"one of {', '.join(consents.CHANNELS)}")
    granted: bool


class ConsentsIn(BaseModel):
    changes: list[ConsentChangeIn] = Field(min_length=1, max_length=len(consents.CHANNELS))
    source: str = Field(default="api", min_length=1, max_length=32)


class ConsentLineOut(BaseModel):
    channel: str
    granted: bool
    recorded_at: datetime
    source: str


class ConsentsOut(BaseModel):
    in_force: dict[str, bool]
    history: list[ConsentLineOut]


def _consents(history: list[consents.ConsentLine]) -> ConsentsOut:
    return ConsentsOut(
        in_force=consents.in_force(history),
        history=[ConsentLineOut(**_line(line)) for line in history],
    )


def _line(line: consents.ConsentLine) -> dict:
    return {
        "channel": line.channel,
        "granted": line.granted,
        "recorded_at": line.recorded_at,
        "source": line.source,
    }


@router.get(
    "/customers/{customer_id}/export",
    responses={200: {"content": {"application/zip": {}}, "description": "JSON or a zip of CSVs"}},
)
def export_customer(
    session: ReadSessionDep,
    now: NowDep,
    customer_id: Id,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    """Everything held about the person behind ``customer_id`` (any of their ids)."""
    held = holdings(session, customer_id)
    extension = "json" if format == "json" else "zip"
    return Response(
        export_bytes(held, format, now),
        media_type=MEDIA[format],
        headers={
            "Content-Disposition": f'attachment; filename="customer-{held.customer_id}.{extension}"'
        },
    )


@router.post("/customers/{customer_id}/erase", response_model=ErasureOut)
def erase(
    engine: EngineDep, caller: CallerDep, now: NowDep, customer_id: Id, body: EraseIn
) -> ErasureOut:
    """Forget the person across every profile merged into them; orders and the ledger stay as
    anonymous facts, and their identifiers go on the suppression list."""
    with unit_of_work(engine) as session:
        erasure = erase_customer(
            session, customer_id, reason=body.reason, actor=f"key:{caller.name}", now=now
        )
        return ErasureOut.model_validate(erasure, from_attributes=True)


@router.get("/customers/{customer_id}/consents", response_model=ConsentsOut)
def get_consents(session: ReadSessionDep, customer_id: Id) -> ConsentsOut:
    return _consents(consents.consent_history(session, customer_id))


@router.put("/customers/{customer_id}/consents", response_model=ConsentsOut)
def put_consents(engine: EngineDep, now: NowDep, customer_id: Id, body: ConsentsIn) -> ConsentsOut:
    """Record consent decisions (appended: the history is kept, the newest per channel wins)."""
    changes = [consents.ConsentChange(c.channel, c.granted) for c in body.changes]
    with unit_of_work(engine) as session:
        history = consents.change_consents(
            session, customer_id, changes, source=body.source, now=now
        )
    return _consents(history)
