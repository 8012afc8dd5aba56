"""Use cases of deterministic resolution over many records: the bulk run over the whole store, and
re-resolving a few profiles after a decision changed their input (an unmerge, a quarantine)."""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.identity import review
from omnicrm.identity.partition import partition
from omnicrm.identity.snapshot import freeze_registry_identifiers, load_all, load_profiles
from omnicrm.identity.writeback import WriteStats, apply_partition
from omnicrm.store.db import unit_of_work

Progress = Callable[[str], None]


@dataclass
class ResolveReport:
    records: int = 0
    clusters: int = 0
    quarantined: int = 0
    deterministic: WriteStats = field(default_factory=WriteStats)
    probabilistic_merges: int = 0
    review_items: int = 0
    stale_review_items: int = 0
    """Pending suggestions closed because their two profiles became one (or one was erased)."""
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def resolve_all(
    engine: Engine, *, probabilistic: bool = False, progress: Progress | None = None
) -> ResolveReport:
    """Resolve every record in the store from scratch (the replayable log: record identifiers,
    registry records, manual rules) and write the result; then match the profiles that share no
    key probabilistically. Running it again on the same data changes nothing."""
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
        report.deterministic = apply_partition(conn, inp, part, utcnow(), full=True)
        step("write")
    if probabilistic:
        from omnicrm.identity.probabilistic import match_profiles

        outcome = match_profiles(engine)
        report.probabilistic_merges = outcome.merged
        report.review_items = outcome.queued
        step("probabilistic")
    with unit_of_work(engine) as session:
        report.stale_review_items = review.close_stale(session)
    return report


def reresolve_profiles(session: Session, customer_ids: list[int]) -> WriteStats:
    """Re-resolve the records now on ``customer_ids`` under the current rules and quarantines."""
    conn = session.connection()
    inp = load_profiles(conn, customer_ids)
    return apply_partition(conn, inp, partition(inp), utcnow(), full=False)
