"""Streaming ingestion: one raw record (or a few) from a till, a site or an app, validated and
written exactly as a bulk batch is, placed on its customer's profile by incremental identity
resolution in the same transaction, and committed before the caller gets an answer."""

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnicrm.core.errors import FieldError, InvalidRecord, NotFound
from omnicrm.identity.arrival import place_record
from omnicrm.identity.incremental import RecordOutcome
from omnicrm.ingest.canonical import (
    Canonical,
    Event,
    Member,
    Order,
    ProductRecord,
    Return,
    StatusUpdate,
    StoreRecord,
)
from omnicrm.ingest.catalog import Catalog, live_catalog
from omnicrm.ingest.outcome import Outcome
from omnicrm.ingest.sinks import open_sink
from omnicrm.ingest.sources import SOURCES, Source
from omnicrm.ingest.validation import validate
from omnicrm.ingest.writer import write_records

CONFLICT_RETRIES = 5
PLACED_AS: dict[type, str] = {
    Member: "customer",
    Order: "order",
    Return: "return",
    StatusUpdate: "order",
    Event: "event",
}
"""The identity record type of each written record (a member is a registry record; a status
update's id is its order's), in the order they are placed: receipts before sightings, so a
sighting in the same batch meets its receipt."""
_RANK = {kind: rank for rank, kind in enumerate(PLACED_AS)}
_catalogs: "weakref.WeakKeyDictionary[Engine, Catalog]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Ingested:
    """The answer for one record: ``inserted``/``updated``/``duplicate`` with the stored id, or
    ``rejected`` with the errors; and the profile the record is on (``identity``: attached,
    created, merged or anonymous; None for reference data and rejected records)."""

    status: str
    source: str
    source_key: str | None
    id: int | None
    errors: tuple[FieldError, ...] = ()
    customer_id: int | None = None
    identity: str | None = None


def source_named(name: str) -> Source:
    source = SOURCES.get(name)
    if source is None:
        raise NotFound(f"unknown source {name!r}; known: {', '.join(SOURCES)}")
    return source


def ingest_record(engine: Engine, source_name: str, raw: Mapping[str, Any]) -> Ingested:
    """Validate and store one record; InvalidRecord (nothing written) if it is bad."""
    result = ingest_records(engine, source_name, [raw])[0]
    if result.status == "rejected":
        raise InvalidRecord(list(result.errors))
    return result


def ingest_records(engine: Engine, source_name: str, raws: Sequence[Any]) -> list[Ingested]:
    """Validate and store several records in one transaction; each gets its own answer and a
    bad one does not stop the others."""
    source = source_named(source_name)
    catalog = _catalog(engine)
    checked: list[Canonical | InvalidRecord] = []
    for raw in raws:
        try:
            checked.append(validate(source, raw, catalog))
        except InvalidRecord as exc:
            checked.append(exc)
    valid = [record for record in checked if not isinstance(record, InvalidRecord)]
    outcomes = iter(_write(engine, valid))
    answers = []
    for record in checked:
        if isinstance(record, InvalidRecord):
            answers.append(Ingested("rejected", source.name, None, None, tuple(record.errors)))
            continue
        outcome, placed = next(outcomes)
        key = getattr(record, "source_key", None)
        answers.append(
            Ingested(
                outcome.status,
                source.name,
                key,
                outcome.id,
                tuple(outcome.errors),
                placed.customer_id if placed else None,
                placed.action if placed else None,
            )
        )
    if any(isinstance(record, StoreRecord | ProductRecord) for record in valid):
        _catalogs.pop(engine, None)  # a store's zone may have changed
    return answers


def _write(engine: Engine, records: list[Canonical]) -> list[tuple[Outcome, RecordOutcome | None]]:
    """One transaction for writing and placing; on PostgreSQL a concurrent writer of the same
    key (or of a profile for the same identifier) makes it retry, and the retry sees that record
    (or profile) as stored."""
    if not records:
        return []
    for attempt in range(CONFLICT_RETRIES):
        try:
            with engine.begin() as conn:
                outcomes = write_records(open_sink(conn), records)
                return list(zip(outcomes, _place(conn, records, outcomes), strict=True))
        except IntegrityError:
            if attempt == CONFLICT_RETRIES - 1 or engine.dialect.name == "sqlite":
                raise
    raise AssertionError("unreachable")


def _place(
    conn: Connection, records: list[Canonical], outcomes: list[Outcome]
) -> list[RecordOutcome | None]:
    """Each stored record's profile, by incremental resolution in the open transaction."""
    placed: list[RecordOutcome | None] = [None] * len(records)
    order = sorted(
        (i for i, r in enumerate(records) if type(r) in _RANK),
        key=lambda i: _RANK[type(records[i])],
    )
    with Session(bind=conn, autoflush=True) as session:
        for i in order:
            outcome = outcomes[i]
            if outcome.id is None or outcome.status not in ("inserted", "duplicate"):
                continue
            record = records[i]
            record_type = PLACED_AS[type(record)]
            new = outcome.status == "inserted" and not isinstance(record, StatusUpdate)
            placed[i] = place_record(session, record_type, outcome.id, new=new)
        session.flush()
    return placed


def _catalog(engine: Engine) -> Catalog:
    catalog = _catalogs.get(engine)
    if catalog is None:
        catalog = _catalogs[engine] = live_catalog(engine)
    return catalog
