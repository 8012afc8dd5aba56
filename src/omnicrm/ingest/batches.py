"""One file's import cut into batches, and the transaction each batch is.

Each batch is one transaction holding its records, its rejected rows (``import_errors``) and its
``import_batches`` row, keyed by the file's content fingerprint and the batch number. A crash or
kill therefore leaves whole batches only, and a rerun skips the batches that landed.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import orjson
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import InvalidRecord
from omnicrm.core.settings import get_settings
from omnicrm.ingest.canonical import Canonical
from omnicrm.ingest.catalog import Catalog, load_catalog
from omnicrm.ingest.columnar.frames import FrameReader, RecordFrame
from omnicrm.ingest.columnar.json_frames import JsonFrame, JsonFrameReader
from omnicrm.ingest.columnar.plain_orders import PlainOrders, write_plain_orders
from omnicrm.ingest.columnar.plans import PLANS, Frame
from omnicrm.ingest.encoding import UTF8
from omnicrm.ingest.outcome import Outcome
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


def fingerprint(path: Path, source: Source, batch_size: int, encoding: str = UTF8) -> str:
    """Content identity of an import: the same bytes cut the same way (and read in the same
    encoding) give the same batches.

    Hashes the whole file up to 64 MiB; beyond that the size with the first and last MiB (a
    re-export of a large file differs in size or at its ends)."""
    digest = hashlib.sha256(f"{source.name}\0{batch_size}\0".encode())
    if encoding != UTF8:  # UTF-8 files keep the fingerprints earlier versions gave them
        digest.update(f"{encoding}\0".encode())
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
    encoding: str = UTF8
    columnar: bool = True
    """Read column-wise when the source has a plan (``columnar.NotColumnar`` if the file turns
    out irregular: the import goes on with ``columnar=False``)."""

    def batches(
        self,
    ) -> tuple[RecordReader | FrameReader | JsonFrameReader, Iterator[tuple[int, "Batch"]]]:
        plan = PLANS.get(self.source.name) if self.columnar else None
        frames = plan and plan.reader(self.path, self.source, self.batch_size, self.encoding)
        if frames is not None:
            return frames, enumerate(frames, 1)
        reader = RecordReader(self.path, self.source, self.encoding)
        return reader, enumerate(_batches(reader, self.batch_size), 1)

    def validate_batch(self, batch_no: int, batch: "Batch") -> "Prepared | None":
        """The batch validated, or None when an earlier run committed it."""
        if batch_no in self.committed:
            return None
        if isinstance(batch, RecordFrame | JsonFrame):
            return _prepare_frame(self.source, batch, self.catalog)
        return Prepared(_validate_batch(self.source, batch, self.catalog))

    def commit_batch(self, batch_no: int, batch: "Prepared | None", report: ImportReport) -> None:
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

    def run_batch(self, batch_no: int, batch: "Batch", report: ImportReport) -> None:
        self.commit_batch(batch_no, self.validate_batch(batch_no, batch), report)


def prepare(
    engine: Engine, path: Path, source: str | None = None, encoding: str | None = None
) -> FileImport:
    """Everything a file's batches need, read once: its source, encoding (declared, else
    detected), fingerprint, the catalog and the batches already committed. A file that is not
    the source's export (a missing file, an unknown format, a header without the source's
    required columns or with columns it does not have) is refused here, before any batch."""
    path = Path(path)
    spec = SOURCES[source] if source else source_of(path)
    reader = RecordReader(path, spec, encoding)
    header = reader.header()
    problem = None if header is None else spec.header_problem(header)
    if problem is not None:
        raise UnreadableFile(f"{path.name}: {problem}")
    batch_size = get_settings().import_batch_size
    print_ = fingerprint(path, spec, batch_size, reader.encoding)
    with engine.connect().execution_options(readonly=True) as conn:
        catalog = load_catalog(conn)
        columns = select(ImportBatch.batch_no, ImportBatch.records, ImportBatch.rejected)
        rows = conn.execute(columns.where(ImportBatch.fingerprint == print_))
        committed = {batch_no: (records, rejected) for batch_no, records, rejected in rows}
    return FileImport(
        engine, spec, path, print_, batch_size, catalog, committed, encoding=reader.encoding
    )


def _batches(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


Batch = list[RawRecord] | Frame
Validated = list[tuple[RawRecord, Canonical | InvalidRecord]]


@dataclass(slots=True)
class Prepared:
    """A batch ready to write: records the validator checked, and plain orders (columnar)."""

    checked: Validated
    plain: PlainOrders | None = None
    records: int = field(default=-1)
    plain_rows: list[int] = field(default_factory=list)
    """The file row of each plain order (its first row), for the report."""

    def __post_init__(self) -> None:
        if self.records < 0:
            self.records = len(self.checked)


def _prepare_frame(source: Source, frame: Frame, catalog: Catalog) -> Prepared:
    """Plain records column-wise, the others through the validator. A plain record whose key
    repeats in the batch goes to the validator too, so the first of a key wins as it would."""
    plain = PLANS[source.name].plain(frame, catalog)
    others = np.setdiff1d(np.arange(frame.records), plain.records)
    checked = _validate_batch(source, frame.raw_records(others), catalog)
    keys = plain.keys()
    taken = {r.source_key for _, r in checked if not isinstance(r, InvalidRecord)}
    seen = Counter(keys)
    moving = np.fromiter((seen[k] > 1 or k in taken for k in keys), bool, len(keys))
    if moving.any():
        moved = plain.records[moving]
        checked += _validate_batch(source, frame.raw_records(moved), catalog)
        order = np.argsort(np.concatenate([others, moved]), kind="stable")
        checked = [checked[i] for i in order]
        plain = plain.only(~moving)
    return Prepared(checked, plain, frame.records, frame.row_nos_of(plain.records))


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
    batch: Prepared,
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
                counts, rejected, suppressed = _write_batch(
                    sink, source, path, print_, batch_no, batch
                )
            break
        except IntegrityError:
            if attempt == CONFLICT_RETRIES - 1 or engine.dialect.name == "sqlite":
                raise
    report.counts(source.name).add(counts)
    report.add_errors(rejected)
    report.add_suppressed(suppressed)


def _write_batch(
    sink: Sink, source: Source, path: Path, print_: str, batch_no: int, batch: Prepared
) -> tuple[SourceCounts, list[RejectedRow], list[RejectedRow]]:
    plain = write_plain_orders(sink, batch.plain) if batch.plain else []
    checked = batch.checked
    valid = [(raw, record) for raw, record in checked if not isinstance(record, InvalidRecord)]
    outcomes = write_records(sink, [record for _, record in valid])
    counts = SourceCounts(records=batch.records)
    rejected: list[tuple[RawRecord, InvalidRecord]] = [
        (raw, result) for raw, result in checked if isinstance(result, InvalidRecord)
    ]
    suppressed: list[RejectedRow] = []
    entries = [
        *((None, row_no, o) for row_no, o in zip(batch.plain_rows, plain, strict=True)),
        *((raw, raw[0].row_no, o) for raw, o in zip(valid, outcomes, strict=True)),
    ]
    for raw, row_no, outcome in entries:
        if outcome.suppressed:
            counts.suppressed += 1
            suppressed.append(_suppressed_row(source, path, row_no, outcome))
        if outcome.status == "suppressed":
            continue
        if outcome.status == "rejected":  # only a validated record: plain orders never are
            rejected.append((raw[0], InvalidRecord(outcome.errors)))  # type: ignore[index]
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
    return counts, [e for _, e in errors], suppressed


def _suppressed_row(source: Source, path: Path, row_no: int, outcome: Outcome) -> RejectedRow:
    done = "not recreated" if outcome.status == "suppressed" else "stored without them"
    message = f"{outcome.suppressed} identifier(s) of an erased person: {done}"
    return RejectedRow(source.name, path.name, row_no, "identifiers", message)
