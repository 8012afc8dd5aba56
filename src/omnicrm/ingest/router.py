"""HTTP routes for streaming ingestion: ``POST /ingest/{source}`` takes one raw record in the
source's export shape (CHANNELS.md), authenticated by an API key with scope ``ingest:{source}``."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from omnicrm.api.deps import CallerDep, EngineDep
from omnicrm.ingest import stream
from omnicrm.ingest.sources import Source

router = APIRouter(prefix="/ingest", tags=["ingest"])

MAX_BATCH = 1000


class FieldProblem(BaseModel):
    field: str
    message: str


class IngestResult(BaseModel):
    status: str = Field(description="inserted | updated | duplicate | rejected")
    source: str
    source_key: str | None
    id: int | None = Field(description="The stored record (for a duplicate: the one stored first).")
    errors: list[FieldProblem] = []


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
    )


ERROR_SHAPE = {"description": "The one JSON error shape: {error: {code, message, details}}"}


@router.post(
    "/{source}",
    response_model=IngestResult,
    status_code=201,
    responses={200: {"model": IngestResult, "description": "Already stored (duplicate)"}}
    | {code: ERROR_SHAPE for code in (401, 403, 404, 422)},
)
def ingest_one(
    source: SourceDep,
    engine: EngineDep,
    record: Annotated[dict[str, Any], Body(description="One raw record in the source's shape.")],
) -> JSONResponse:
    """Store one record: 201 when new, 200 when it was stored before, 422 naming every bad field."""
    answer = stream.ingest_record(engine, source.name, record)
    code = 201 if answer.status == "inserted" else 200
    return JSONResponse(_result(answer).model_dump(), status_code=code)


@router.post(
    "/{source}/batch",
    response_model=BatchResult,
    responses={code: ERROR_SHAPE for code in (401, 403, 404, 422)},
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
