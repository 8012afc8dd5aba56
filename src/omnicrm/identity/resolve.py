"""Use cases of deterministic resolution over many records: the bulk run over the whole store, and
re-resolving a few profiles after a decision changed their input (an unmerge, a quarantine)."""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.identity import breaker, review
from omnicrm.identity.partition import Partition, ResolutionInput, partition
from omnicrm.identity.snapshot import freeze_registry_identifiers, load_all, load_profiles
from omnicrm.identity.writeback import WriteStats, apply_partition
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Merge

Progress = Callable[[str], None]


@dataclass
class ResolveReport:
    records: int = 0
    clusters: int = 0
    quarantined: int = 0
    deterministic: WriteStats = field(default_factory=WriteStats)
    probabilistic_merges: int = 0
    review_items: int = 0
    held_by_guard: int = 0
    """Of the review items, pairs above ``merge_at`` the guard sent to a person."""
    stale_review_items: int = 0
    """Pending suggestions closed because their two profiles became one (or one was erased)."""
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def resolve_all(
    engine: Engine,
    *,
    probabilistic: bool = False,
    progress: Progress | None = None,
    db_api: object = None,
) -> ResolveReport:
    """Resolve every record in the store from scratch (the replayable log: record identifiers,
    registry records, manual rules) and write the result; then match the profiles that share no
    key probabilistically (on Splink's ``db_api``, DuckDB by default). Running it again on the
    same data changes nothing."""
    report, tick = ResolveReport(), time.perf_counter()

    def step(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        report.seconds[name] = round(now - tick, 3)
        tick = now
        if progress:
            progress(name)

    with unit_of_work(engine) as session:
        conn = session.connection()
        freeze_registry_identifiers(conn)
        inp = load_all(conn)
        step("read")
        part = partition(inp)
        step("partition")
        report.records = part.records.num_rows
        report.clusters = part.clusters.num_rows
        report.quarantined = len(part.quarantine)
        report.deterministic = _write_guarded(session, inp, part, report.records)
        step("write")
    if probabilistic:
        from omnicrm.identity.probabilistic import match_profiles

        outcome = match_profiles(engine, db_api)  # type: ignore[arg-type]
        report.probabilistic_merges = outcome.merged
        report.review_items = outcome.queued
        report.held_by_guard = outcome.held_by_guard
        step("probabilistic")
    with unit_of_work(engine) as session:
        report.stale_review_items = review.close_stale(session)
    return report


def _write_guarded(
    session: Session, inp: ResolutionInput, part: Partition, records: int
) -> WriteStats:
    """Write the partition unless the circuit breaker holds its merges back: the write runs in
    a savepoint, and when its merges trip the breaker (or it is open) the savepoint is undone and
    each merge waits in the review queue instead, with the reason (nothing else is written)."""
    conn = session.connection()
    savepoint = conn.begin_nested()
    stats = apply_partition(conn, inp, part, utcnow(), full=True)
    verdict = breaker.verdict_of(session, "keys", records, stats.merges)
    held = breaker.open_reason(session) if stats.merges else None
    if not (verdict.tripped or held):
        savepoint.commit()
        breaker.record_batch(session, "keys", records, stats.merges, verdict)
        return stats
    merges = session.execute(
        select(Merge.survivor_id, Merge.absorbed_id, Merge.evidence).where(
            Merge.id.in_(stats.merge_ids)
        )
    ).all()
    savepoint.rollback()
    session.expire_all()
    breaker.record_batch(session, "keys", records, stats.merges, verdict)
    reason = breaker.open_reason(session)
    for survivor, absorbed, evidence in merges:
        kept = {k: v for k, v in evidence.items() if k != "moved"}
        review.queue(session, survivor, absorbed, 1.0, {**kept, "method": "deterministic"}, reason)
    return WriteStats(held_back=len(merges))


def reresolve_profiles(session: Session, customer_ids: list[int]) -> WriteStats:
    """Re-resolve the records now on ``customer_ids`` under the current rules and quarantines."""
    conn = session.connection()
    inp = load_profiles(conn, customer_ids)
    return apply_partition(conn, inp, partition(inp), utcnow(), full=False)
