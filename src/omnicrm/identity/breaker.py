"""The circuit breaker of automatic merging: a batch that merges far more profiles than the
batches before it (a bad feed, a shared value nobody quarantined) stops automatic merging; what it
would have merged waits in the review queue with the reason, until an operator closes the breaker.

A batch is one bulk run's deterministic write (kind ``keys``: records = every record resolved),
its probabilistic stage (``bulk``: records = profiles compared), or ``stream_batch`` streamed
records (``stream``, counted per server process). Its rate is automatic merges per 1,000
records; the baseline is the median rate of the last ``breaker_window`` batches of the same kind
that did not trip. A batch trips when its merges
exceed ``max(breaker_floor, breaker_factor x baseline x records / 1000)``; with no earlier batch
there is no baseline and it never trips (the first run of an estate merges its backlog). The
stream is judged as it goes: the merge that would cross the limit is the first one held back.
"""

import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.identity.thresholds import Thresholds, controls_row, load
from omnicrm.store.schema import IdentityControls, ResolutionBatch

NAMES = {"keys": "bulk deterministic", "bulk": "bulk probabilistic", "stream": "stream"}


@dataclass(frozen=True, slots=True)
class Verdict:
    tripped: bool
    baseline: float | None
    allowed: float
    reason: str | None = None


def judge(kind: str, records: int, merges: int, rates: list[float], t: Thresholds) -> Verdict:
    """Pure: does a batch of ``records`` with ``merges`` automatic merges trip, given the rates
    (merges per 1,000 records) of the earlier batches?"""
    if not rates:
        return Verdict(False, None, float("inf"))
    baseline = median(rates)
    allowed = max(float(t.breaker_floor), t.breaker_factor * baseline * records / 1000)
    if merges <= allowed:
        return Verdict(False, baseline, allowed)
    rate = 1000 * merges / max(records, 1)
    reason = (
        f"circuit breaker: {merges} automatic merges in a {NAMES[kind]} batch of {records} records "
        f"({rate:.1f} per 1,000) against a baseline of {baseline:.1f} per 1,000 (median of the "
        f"last {len(rates)} batches); the limit is {allowed:.0f}"
    )
    return Verdict(True, baseline, allowed, reason[:300])


def rates(session: Session, kind: str, t: Thresholds) -> list[float]:
    rows = session.execute(
        select(ResolutionBatch.records, ResolutionBatch.merges)
        .where(ResolutionBatch.kind == kind, ResolutionBatch.tripped.is_(False))
        .order_by(ResolutionBatch.id.desc())
        .limit(t.breaker_window)
    ).all()
    return [1000 * m / r for r, m in rows if r > 0]


def open_reason(session: Session) -> str | None:
    """Why automatic merging is stopped, or None while it runs."""
    row = session.get(IdentityControls, 1)
    return row.breaker_reason if row is not None and row.breaker_open_since else None


def _trip(session: Session, reason: str, now: datetime) -> None:
    row = controls_row(session, now)
    if row.breaker_open_since is None:
        row.breaker_open_since, row.breaker_reason = now, reason


def verdict_of(session: Session, kind: str, records: int, merges: int) -> Verdict:
    """Judge a batch against the history of its kind (nothing is written)."""
    t = load(session)
    return judge(kind, records, merges, rates(session, kind, t), t)


def record_batch(
    session: Session, kind: str, records: int, merges: int, verdict: Verdict | None = None
) -> Verdict:
    """Judge a finished batch (unless ``verdict`` was already reached), keep it as history, and
    open the breaker when it trips."""
    verdict = verdict or verdict_of(session, kind, records, merges)
    now = utcnow()
    session.add(
        ResolutionBatch(kind=kind, records=records, merges=merges, baseline=verdict.baseline,
                        tripped=verdict.tripped, created_at=now)
    )  # fmt: skip
    if verdict.reason:
        _trip(session, verdict.reason, now)
    return verdict


def reset(session: Session, by: str) -> None:
    """An operator closes the breaker: automatic merging runs again from the next batch."""
    row = controls_row(session, utcnow())
    row.breaker_open_since, row.breaker_reason = None, None
    row.updated_at, row.updated_by = utcnow(), by


def status(session: Session, *, batches: int = 20) -> dict:
    """Settings, the breaker's state and the latest batches: what the operator is told."""
    row = session.get(IdentityControls, 1)
    recent = session.scalars(
        select(ResolutionBatch).order_by(ResolutionBatch.id.desc()).limit(batches)
    )
    return {
        "settings": load(session).as_dict(),
        "breaker": {
            "open": bool(row and row.breaker_open_since),
            "since": row.breaker_open_since if row else None,
            "reason": row.breaker_reason if row else None,
        },
        "batches": [
            {
                "id": b.id,
                "kind": b.kind,
                "records": b.records,
                "merges": b.merges,
                "baseline": b.baseline,
                "tripped": b.tripped,
                "at": b.created_at,
            }
            for b in recent
        ],
    }


@dataclass
class _Window:
    records: int = 0
    merges: int = 0
    size: int | None = None
    """``stream_batch`` as it was when the window opened (settings apply from the next one)."""
    history: list[float] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_windows: "weakref.WeakKeyDictionary[Engine, _Window]" = weakref.WeakKeyDictionary()
_windows_lock = threading.Lock()


def _window(session: Session) -> _Window:
    """This process's open stream window of the session's database (one per engine)."""
    engine = session.get_bind().engine
    with _windows_lock:
        window = _windows.get(engine)
        if window is None:
            window = _windows[engine] = _Window()
        return window


def stream_record(session: Session) -> None:
    """Count one streamed record; a full window is judged and kept as a stream batch."""
    window = _window(session)
    with window.lock:
        window.records += 1
        if window.size is None:
            window.size = load(session).stream_batch
        if window.records < window.size:
            return
        records, merges = window.records, window.merges
        window.records, window.merges, window.size, window.history = 0, 0, None, None
    record_batch(session, "stream", records, merges)


def stream_may_merge(session: Session) -> str | None:
    """None when the stream may merge one more pair of profiles now; else why not (the breaker
    is open, or this merge would trip it, which opens it)."""
    reason = open_reason(session)
    if reason:
        return reason
    window = _window(session)
    t = load(session)
    with window.lock:
        if window.history is None:
            window.history = rates(session, "stream", t)
        records, merges = max(window.records, 1), window.merges + 1
        verdict = judge("stream", records, merges, window.history, t)
        if not verdict.tripped:
            window.merges = merges
            return None
        window.records, window.merges, window.size, window.history = 0, 0, None, None
    session.add(
        ResolutionBatch(kind="stream", records=records, merges=merges, baseline=verdict.baseline,
                        tripped=True, created_at=utcnow())
    )  # fmt: skip
    _trip(session, verdict.reason or "", utcnow())
    return verdict.reason
