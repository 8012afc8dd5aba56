"""Streaming ingestion: one raw record (or a few) from a till, a site or an app, validated and
written exactly as a bulk batch is, and committed before the caller gets an answer."""

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from omnicrm.core.errors import FieldError, InvalidRecord, NotFound
from omnicrm.ingest.canonical import Canonical, ProductRecord, StoreRecord
from omnicrm.ingest.catalog import Catalog, live_catalog
from omnicrm.ingest.outcome import Outcome
from omnicrm.ingest.sinks import open_sink
from omnicrm.ingest.sources import SOURCES, Source
from omnicrm.ingest.validation import validate
from omnicrm.ingest.writer import write_records

CONFLICT_RETRIES = 5
_catalogs: "weakref.WeakKeyDictionary[Engine, Catalog]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Ingested:
    """The answer for one record: ``inserted``/``updated``/``duplicate`` with the stored id, or
    ``rejected`` with the errors."""

    status: str
    source: str
    source_key: str | None
    id: int | None
    errors: tuple[FieldError, ...] = ()


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
        outcome = next(outcomes)
        key = getattr(record, "source_key", None)
        answers.append(
            Ingested(outcome.status, source.name, key, outcome.id, tuple(outcome.errors))
        )
    if any(isinstance(record, StoreRecord | ProductRecord) for record in valid):
        _catalogs.pop(engine, None)  # a store's zone may have changed
    return answers


def _write(engine: Engine, records: list[Canonical]) -> list[Outcome]:
    """One transaction; on PostgreSQL a concurrent writer of the same key makes it retry, and
    the retry sees that record as a duplicate."""
    if not records:
        return []
    for attempt in range(CONFLICT_RETRIES):
        try:
            with engine.begin() as conn:
                return write_records(open_sink(conn), records)
        except IntegrityError:
            if attempt == CONFLICT_RETRIES - 1 or engine.dialect.name == "sqlite":
                raise
    raise AssertionError("unreachable")


def _catalog(engine: Engine) -> Catalog:
    catalog = _catalogs.get(engine)
    if catalog is None:
        catalog = _catalogs[engine] = live_catalog(engine)
    return catalog
