"""Bulk import of channel files and export folders.

A file is read as a stream and cut into batches of ``settings.import_batch_size`` records, each
committed whole with its bookkeeping (see ``batches``), so a crash leaves whole batches and a
rerun completes the rest. Records are idempotent on their own too: overlapping files, or a record
that already arrived by streaming, change nothing twice.
"""

import dataclasses
import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from omnicrm.ingest.batches import FileImport, prepare
from omnicrm.ingest.columnar.frames import NotColumnar
from omnicrm.ingest.parallel import import_in_workers
from omnicrm.ingest.readers import FORMATS, UnreadableFile
from omnicrm.ingest.report import ImportReport
from omnicrm.ingest.sources import SOURCES

Progress = Callable[[str, int, int], None]
"""Called as ``progress(file_name, bytes_done, bytes_total)`` after each batch."""

ROUGH_BYTES_PER_RECORD = 200
MAX_WORKERS = 4
GC_THRESHOLD = 200_000

__all__ = ["ImportReport", "UnreadableFile", "import_directory", "import_file"]


def import_file(
    engine: Engine,
    path: Path,
    source: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import one file as ``source`` (default: from its name); UnreadableFile if unreadable or
    not the source's export (its header). ``encoding`` is the file's text encoding (default:
    detected, see ``ingest.encoding``).

    ``workers`` processes validate batches in parallel (default: one per core for files of many
    batches); they commit in batch order, so the result is the same as one process's."""
    job = prepare(engine, path, source, encoding)
    started = time.perf_counter()
    workers = workers or default_workers(job)
    with _rare_gc():
        try:
            report = _run(job, workers, progress)
        except NotColumnar:  # an irregular file: resumed record by record, as a rerun is
            job = dataclasses.replace(prepare(engine, path, source, encoding), columnar=False)
            report = _run(job, workers, progress)
    report.counts(job.source.name).seconds += time.perf_counter() - started
    return report


def _run(job: FileImport, workers: int, progress: Progress | None) -> ImportReport:
    if workers > 1:
        return import_in_workers(job, workers, progress)
    report = ImportReport()
    reader, batches = job.batches()
    for batch_no, batch in batches:
        job.run_batch(batch_no, batch, report)
        if progress is not None:
            progress(job.path.name, reader.bytes_read, reader.size)
    return report


@contextmanager
def _rare_gc() -> Iterator[None]:
    """An import allocates millions of short-lived acyclic objects beside a large long-lived
    catalog, and default GC thresholds rescan that catalog over and over (a third of the time).
    Freeze what exists and collect rarely while importing."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def default_workers(job: FileImport) -> int:
    """One per core when the file holds several batches and the database is shared by processes."""
    url = job.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return 1
    rough_batches = job.path.stat().st_size // (job.batch_size * ROUGH_BYTES_PER_RECORD)
    return min(os.cpu_count() or 1, MAX_WORKERS) if rough_batches >= 4 else 1


def import_directory(
    engine: Engine,
    directory: Path,
    progress: Progress | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import every export found in ``directory`` by its CHANNELS.md name: reference data first,
    then members, orders, returns and delivery, then events (all in ``encoding``, if given)."""
    report = ImportReport()
    for path in export_files(Path(directory)):
        report.merge(import_file(engine, path, progress=progress, encoding=encoding))
    return report


def export_files(directory: Path) -> list[Path]:
    """The known export files in ``directory``, in import order."""
    if not directory.is_dir():
        raise UnreadableFile(f"{directory}: not a folder")
    ordered = sorted(SOURCES.values(), key=lambda s: s.stage)
    return [
        directory / f"{s.file_stem}{suffix}"
        for s in ordered
        for suffix in FORMATS
        if (directory / f"{s.file_stem}{suffix}").is_file()
    ]
