"""Validation on every core for big files, with commits in batch order.

Each worker process reads the file itself (reading and grouping is cheap next to validation),
validates the batches it owns (every n-th) and commits each when its turn comes: batch k commits
only after batch k-1. The database therefore sees the batches exactly as one process would write
them (a return finds the sale of an earlier batch, a duplicate is found in the earlier batch),
and nothing but small counts crosses between processes. Workers die with their parent, so a
killed import leaves whole batches only, as a single-process one does.
"""

import ctypes
import dataclasses
import multiprocessing
import queue
import signal
from collections.abc import Callable
from multiprocessing.synchronize import Condition, Event

from omnicrm.ingest.batches import FileImport
from omnicrm.ingest.report import ImportReport
from omnicrm.store.db import make_engine

PR_SET_PDEATHSIG = 1
WAIT_SLICE_S = 0.5


def import_in_workers(
    job: FileImport, workers: int, progress: Callable[[str, int, int], None] | None = None
) -> ImportReport:
    """Import ``job`` with ``workers`` processes; raises what a worker raised."""
    context = multiprocessing.get_context("fork")
    turn = context.Value("q", 1, lock=False)
    gate = context.Condition()
    abort = context.Event()
    messages = context.Queue()
    url = job.engine.url.render_as_string(hide_password=False)
    processes = [
        context.Process(
            target=_work,
            args=(job, url, k, workers, turn, gate, abort, messages),
            name=f"omnicrm-import-{k}",
            daemon=True,
        )
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    report = ImportReport()
    parts: list[tuple[int, ImportReport]] = []
    running = workers
    try:
        while running:
            try:
                kind, payload = messages.get(timeout=WAIT_SLICE_S)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise RuntimeError("an import worker died") from None
                continue
            if kind == "batch":
                batch_no, part, done, total = payload
                parts.append((batch_no, part))
                if progress is not None:
                    progress(job.path.name, done, total)
            elif kind == "done":
                running -= 1
            else:
                raise payload
    finally:
        abort.set()
        with gate:
            gate.notify_all()
        for process in processes:
            process.join()
    for _, part in sorted(parts, key=lambda item: item[0]):
        report.merge(part)
    return report


def _work(
    job: FileImport,
    url: str,
    k: int,
    workers: int,
    turn: "multiprocessing.sharedctypes.Synchronized[int]",
    gate: Condition,
    abort: Event,
    messages: "multiprocessing.queues.Queue",
) -> None:
    """Worker ``k``: validate batches ``k+1, k+1+workers, ...`` and commit each in its turn."""
    _die_with_parent()
    engine = make_engine(url)
    job = dataclasses.replace(job, engine=engine)
    try:
        reader, batches = job.batches()
        for batch_no, raws in batches:
            if batch_no % workers != k:
                continue
            part = ImportReport()
            prepared = job.validate_batch(batch_no, raws)
            with gate:
                while turn.value != batch_no:
                    if abort.is_set():
                        return
                    gate.wait(WAIT_SLICE_S)
            job.commit_batch(batch_no, prepared, part)
            with gate:
                turn.value = batch_no + 1
                gate.notify_all()
            messages.put(("batch", (batch_no, part, reader.bytes_read, reader.size)))
        # the last batches may belong to others; this worker's turn never comes again
        messages.put(("done", k))
    except BaseException as exc:  # reported to the parent, which re-raises it
        abort.set()
        with gate:
            gate.notify_all()
        try:
            messages.put(("error", exc))
        except Exception:  # an exception that does not pickle
            messages.put(("error", RuntimeError(repr(exc))))
    finally:
        engine.dispose()


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the importing process dies (e.g. SIGKILL)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: workers are daemons and exit with a clean parent
        pass
