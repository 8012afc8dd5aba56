"""One file's import cut into batches, and the transaction each batch is.

Each batch is one transaction holding its records, its rejected rows (``import_errors``) and its
``import_batches`` row, keyed by the file's content fingerprint and the batch number. A crash or
kill therefore leaves whole batches only, and a rerun skips the batches that landed.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import orjson
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import InvalidRecord
from omnicrm.core.settings import get_settings
from omnicrm.ingest.canonical import Canonical
from omnicrm.ingest.catalog import Catalog, load_catalog
from omnicrm.ingest.readers import RawRecord, RecordReader, UnreadableFile
from omnicrm.ingest.report import ImportReport, RejectedRow, SourceCounts
from omnicrm.ingest.sinks import Sink, open_sink
from omnicrm.ingest.sources import BY_FILE_STEM, SOURCES, Source
from omnicrm.ingest.validation import validate
from omnicrm.ingest.writer import write_records
from omnicrm.store.schema import ImportBatch

FINGERPRINT_SAMPLE = 1 << 20
CONFLICT_RETRIES = 5


def source_of(path: Path) -> Source:
    """The source a file holds, from its CHANNELS.md name (``pos_receipts.csv`` -> pos)."""
    source = BY_FILE_STEM.get(path.stem)
    if source is None:
        raise UnreadableFile(f"{path.name}: not a known export name; say which source it is")
    return source


def fingerprint(path: Path, source: Source, batch_size: int) -> str:
    """Content identity of an import: the same bytes cut the same way give the same batches.

    Hashes the whole file up to 64 MiB; beyond that the size with the first and last MiB (a
    re-export of a large file differs in size or at its ends)."""
    digest = hashlib.sha256(f"{source.name}\0{batch_size}\0".encode())
    size = path.stat().st_size
    digest.update(size.to_bytes(8, "big"))
    with path.open("rb") as f:
        if size <= 64 * FINGERPRINT_SAMPLE:
            while chunk := f.read(FINGERPRINT_SAMPLE):
                digest.update(chunk)
        else:
            digest.update(f.read(FINGERPRINT_SAMPLE))
            f.seek(size - FINGERPRINT_SAMPLE)
            digest.update(f.read(FINGERPRINT_SAMPLE))
    return digest.hexdigest()


@dataclass(frozen=True)
class FileImport:
    """One file's import: what every batch of it needs, in this process or a worker."""

    engine: Engine
    source: Source
    path: Path
    fingerprint: str
    batch_size: int
    catalog: Catalog
    committed: dict[int, tuple[int, int]]
    """Batches an earlier run committed: batch_no -> (records, rejected)."""

    def batches(self) -> tuple[RecordReader, Iterator[tuple[int, list[RawRecord]]]]:
        reader = RecordReader(self.path, self.source)
        return reader, enumerate(_batches(reader, self.batch_size), 1)

    def validate_batch(self, batch_no: int, raws: list[RawRecord]) -> "Validated | None":
        """The batch validated, or None when an earlier run committed it."""
        if batch_no in self.committed:
            return None
        return _validate_batch(self.source, raws, self.catalog)

    def commit_batch(self, batch_no: int, batch: "Validated | None", report: ImportReport) -> None:
        """Commit a validated batch, or count one an earlier run committed."""
        if batch is not None:
            _commit_batch(
                self.engine, self.source, self.path, self.fingerprint, batch_no, batch, report
            )
            return
        records, rejected = self.committed[batch_no]
        counts = report.counts(self.source.name)
        counts.records += records
        counts.duplicates += records - rejected
        counts.rejected += rejected
        report.skipped_batches += 1

    def run_batch(self, batch_no: int, raws: list[RawRecord], report: ImportReport) -> None:
        self.commit_batch(batch_no, self.validate_batch(batch_no, raws), report)


def prepare(engine: Engine, path: Path, source: str | None = None) -> FileImport:
    """Everything a file's batches need, read once: its source, fingerprint, the catalog and the
    batches already committed."""
    path = Path(path)
    spec = SOURCES[source] if source else source_of(path)
    RecordReader(path, spec)  # fails early on a missing file or an unknown format
    batch_size = get_settings().import_batch_size
    print_ = fingerprint(path, spec, batch_size)
    with engine.connect().execution_options(readonly=True) as conn:
        catalog = load_catalog(conn)
        columns = select(ImportBatch.batch_no, ImportBatch.records, ImportBatch.rejected)
        rows = conn.execute(columns.where(ImportBatch.fingerprint == print_))
        committed = {batch_no: (records, rejected) for batch_no, records, rejected in rows}
    return FileImport(engine, spec, path, print_, batch_size, catalog, committed)


def _batches(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


Validated = list[tuple[RawRecord, Canonical | InvalidRecord]]


def _validate_batch(source: Source, raws: list[RawRecord], catalog: Catalog) -> Validated:
    results: Validated = []
    for raw in raws:
        try:
            results.append((raw, validate(source, raw.data, catalog, raw.errors)))
        except InvalidRecord as exc:
            results.append((raw, exc))
    return results


def _commit_batch(
    engine: Engine,
    source: Source,
    path: Path,
    print_: str,
    batch_no: int,
    batch: Validated,
    report: ImportReport,
) -> None:
    """Write one batch with its bookkeeping in one transaction. On PostgreSQL a concurrent writer
    may insert one of our keys between our check and our COPY: the batch then rolls back whole
    and is written again, finding that key a duplicate."""
    for attempt in range(CONFLICT_RETRIES):
        try:
            with engine.begin() as conn:
                sink = open_sink(conn)
                already = sink.select_in(
                    "SELECT batch_no FROM import_batches"
                    " WHERE fingerprint = ? AND batch_no IN ({in})",
                    [batch_no],
                    print_,
                )
                if already:  # another import of the same file committed it meanwhile
                    report.skipped_batches += 1
                    return
                counts, rejected = _write_batch(sink, source, path, print_, batch_no, batch)
            break
        except IntegrityError:
            if attempt == CONFLICT_RETRIES - 1 or engine.dialect.name == "sqlite":
                raise
    report.counts(source.name).add(counts)
    report.add_errors(rejected)


def _write_batch(
    sink: Sink, source: Source, path: Path, print_: str, batch_no: int, batch: Validated
) -> tuple[SourceCounts, list[RejectedRow]]:
    valid = [(raw, record) for raw, record in batch if not isinstance(record, InvalidRecord)]
    outcomes = write_records(sink, [record for _, record in valid])
    counts = SourceCounts(records=len(batch))
    rejected: list[tuple[RawRecord, InvalidRecord]] = [
        (raw, result) for raw, result in batch if isinstance(result, InvalidRecord)
    ]
    for (raw, _), outcome in zip(valid, outcomes, strict=True):
        if outcome.status == "rejected":
            rejected.append((raw, InvalidRecord(outcome.errors)))
        elif outcome.status == "inserted":
            counts.inserted += 1
            counts.lines += outcome.lines
        elif outcome.status == "updated":
            counts.updated += 1
        else:
            counts.duplicates += 1
    counts.rejected = len(rejected)
    batch_id = sink.reserve_ids("import_batches", 1)[0]
    sink.insert(
        "import_batches",
        (
            "id",
            "source",
            "file_name",
            "fingerprint",
            "batch_no",
            "records",
            "inserted",
            "duplicates",
            "rejected",
            "committed_at",
        ),
        [
            (
                batch_id,
                source.name,
                path.name,
                print_,
                batch_no,
                counts.records,
                counts.inserted + counts.updated,
                counts.duplicates,
                counts.rejected,
                utcnow(),
            )
        ],
    )
    errors = [
        (
            raw,
            RejectedRow(
                source.name, path.name, raw.row_of(e.field), e.field[:100], e.message[:500]
            ),
        )
        for raw, exc in rejected
        for e in exc.errors
    ]
    raw_text = {id(raw): orjson.dumps(raw.data, default=str).decode() for raw, _ in rejected}
    sink.insert(
        "import_errors",
        ("batch_id", "source", "file_name", "row_no", "field", "message", "raw"),
        [
            (batch_id, e.source, e.file_name, e.row_no, e.field, e.message, raw_text[id(raw)])
            for raw, e in errors
        ],
    )
    return counts, [e for _, e in errors]
