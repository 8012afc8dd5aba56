"""HTTP routes for streaming ingestion: ``POST /ingest/{source}`` takes one raw record in the
source's export shape (CHANNELS.md), authenticated by an API key with scope ``ingest:{source}``."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from omnicrm.api.deps import CallerDep, EngineDep
from omnicrm.api.responses import errors
from omnicrm.ingest import stream
from omnicrm.ingest.sources import Source

router = APIRouter(prefix="/ingest", tags=["ingest"])

MAX_BATCH = 1000


class FieldProblem(BaseModel):
    field: str
    message: str


class IngestResult(BaseModel):
    status: str = Field(
        description="inserted | updated | duplicate | rejected | suppressed (an erased member)"
    )
    source: str
    source_key: str | None
    id: int | None = Field(description="The stored record (for a duplicate: the one stored first).")
    errors: list[FieldProblem] = []
    customer_id: int | None = Field(
        None,
        description="The customer profile the record is on once resolved (the live profile, "
        "after any merge); for a return or a status update, its order's; for a loyalty member, "
        "the member's own profile. Null when the record is anonymous, rejected or reference "
        "data (stores, products).",
    )
    identity: Literal["attached", "created", "merged", "anonymous"] | None = Field(
        None,
        description="What incremental identity resolution did, in the transaction that stored "
        "the record: attached (to an existing profile), created (a new profile), merged (the "
        "record proved several profiles one person; customer_id is the survivor) or anonymous "
        "(nothing on it names a person). A duplicate, a return or a status update reports the "
        "profile its record or order is on (attached or anonymous). Null for reference data "
        "and rejected records.",
    )


class BatchResult(BaseModel):
    results: list[IngestResult]


def authorised_source(source: str, caller: CallerDep) -> Source:
    """The source named in the path, if the caller's key may write to it (401, 404, 403)."""
    spec = stream.source_named(source)
    caller.require(f"ingest:{spec.name}")
    return spec


SourceDep = Annotated[Source, Depends(authorised_source)]


def _result(answer: stream.Ingested) -> IngestResult:
    return IngestResult(
        status=answer.status,
        source=answer.source,
        source_key=answer.source_key,
        id=answer.id,
        errors=[FieldProblem(field=e.field, message=e.message) for e in answer.errors],
        customer_id=answer.customer_id,
        identity=answer.identity,  # type: ignore[arg-type]
    )


@router.post(
    "/{source}",
    response_model=IngestResult,
    status_code=201,
    responses={200: {"model": IngestResult, "description": "Already stored (duplicate)"}}
    | errors(404),
)
def ingest_one(
    source: SourceDep,
    engine: EngineDep,
    record: Annotated[dict[str, Any], Body(description="One raw record in the source's shape.")],
) -> JSONResponse:
    """Store one record and resolve who it belongs to: 201 when new, 200 when it was stored
    before, 422 naming every bad field."""
    answer = stream.ingest_record(engine, source.name, record)
    code = 201 if answer.status == "inserted" else 200
    return JSONResponse(_result(answer).model_dump(), status_code=code)


@router.post(
    "/{source}/batch",
    response_model=BatchResult,
    responses=errors(404),
)
def ingest_batch(
    source: SourceDep,
    engine: EngineDep,
    records: Annotated[list[dict[str, Any]], Body(max_length=MAX_BATCH)],
) -> BatchResult:
    """Store up to 1000 records in one transaction, each answered on its own; a bad record is
    rejected alone."""
    return BatchResult(
        results=[_result(a) for a in stream.ingest_records(engine, source.name, records)]
    )
