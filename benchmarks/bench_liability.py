"""The points liability report over N accounts: time and peak memory.

    python benchmarks/bench_liability.py --accounts 1000000 [--db postgres] [--lots 3]

Builds a fresh database with N members holding ``--lots`` lots each (bulk inserted, see
``bench_till.populate``), spread over 24 monthly cohorts from 2023-01; 60 % of the lots are half
spent 1 to 12 months after they were earned and every lot past its expiry is burnt, so the ledger
holds earn, spend and expire entries and old cohorts have matured. Then ``liability_report``
runs in a child process as of 2025-03-01; prints the time, the child's peak RSS, the number of
entries read and whether the closing balance ties to the sum of the ledger.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, insert, text

from bench_till import DEFAULT_PG, fresh_database, populate
from omnicrm.loyalty.liability_store import liability_report
from omnicrm.store.db import make_engine, read_session
from omnicrm.store.schema.base import UtcDateTime

AS_OF = datetime(2025, 3, 1, tzinfo=UTC)
COHORTS = 24
AGES = 12
KINDS = COHORTS * AGES
"""A lot's ``id % KINDS`` picks its cohort (``% COHORTS``) and the age it is spent at."""
MONTHS = Table(
    "bench_months",
    MetaData(),
    Column("k", Integer, primary_key=True),
    Column("earned", UtcDateTime),
    Column("available", UtcDateTime),
    Column("expires", UtcDateTime),
    Column("spent", UtcDateTime),
)


def _month(k: int, day: int = 10) -> datetime:
    return datetime(2023 + k // 12, k % 12 + 1, day, tzinfo=UTC)


def spread(engine) -> None:  # type: ignore[no-untyped-def]
    """Move each lot (and its earning entry) into its cohort, half-spend 60 % of them 1 to 12
    months on, and burn what is left of every lot expired by ``AS_OF``."""
    MONTHS.create(engine)
    rows = []
    for k in range(KINDS):
        earned = _month(k % COHORTS)
        available = earned + timedelta(days=14)
        rows.append(
            {
                "k": k,
                "earned": earned,
                "available": available,
                "expires": available + timedelta(days=365),
                "spent": _month(k % COHORTS + 1 + k // COHORTS, 20),
            }
        )
    month = f"(SELECT {{}} FROM bench_months WHERE k = loyalty_lots.id % {KINDS})"
    with engine.begin() as conn:
        conn.execute(insert(MONTHS), rows)
        conn.execute(
            text(
                f"UPDATE loyalty_lots SET earned_at = {month.format('earned')}, "
                f"available_at = {month.format('available')}, "
                f"expires_at = {month.format('expires')}"
            )
        )
        conn.execute(
            text(
                "UPDATE loyalty_entries SET at = (SELECT earned_at FROM loyalty_lots l "
                "WHERE l.id = loyalty_entries.lot_id)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO loyalty_entries (account_id, operation_id, lot_id, kind, points, "
                "rule, at) SELECT l.account_id, l.operation_id, l.id, 'spend', -(l.points / 2), "
                f"'burn', m.spent FROM loyalty_lots l JOIN bench_months m ON m.k = l.id % {KINDS} "
                "WHERE l.id % 10 < 6 AND m.spent < :as_of"
            ),
            {"as_of": _bound(engine, AS_OF)},
        )
        conn.execute(
            text(
                "INSERT INTO loyalty_entries (account_id, operation_id, lot_id, kind, points, "
                "rule, at) SELECT l.account_id, l.operation_id, l.id, 'expire', "
                "-(SELECT sum(e.points) FROM loyalty_entries e WHERE e.lot_id = l.id), "
                "'expiry:fifo', l.expires_at FROM loyalty_lots l WHERE l.expires_at < :as_of"
            ),
            {"as_of": _bound(engine, AS_OF)},
        )
        conn.exec_driver_sql("ANALYZE")


def _bound(engine, at: datetime):  # type: ignore[no-untyped-def]
    """A time for a raw SQL parameter as each store keeps it (naive UTC text on SQLite)."""
    return at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at


def child(url: str) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    with read_session(engine) as session:
        report = liability_report(session, "retail", AS_OF)
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        ledger, entries = conn.execute(
            text("SELECT coalesce(sum(points), 0), count(*) FROM loyalty_entries")
        ).one()
    totals = report["totals"]
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "entries": entries,
                "cohorts": len(report["cohorts"]),
                "matured": report["curve"]["matured_cohorts"],
                "live_points": totals["live_points"],
                "breakage_bp": totals["expected_breakage_bp"],
                "deferred_minor": totals["deferred_revenue_minor"],
                "ties": totals["closing_points"] == int(ledger),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--lots", type=int, default=3, help="Lots per account.")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(args.db, args.pg_url, Path(tmp))
        try:
            engine = make_engine(url)
            started = time.perf_counter()
            populate(engine, args.accounts, lots_per_member=args.lots)
            spread(engine)
            engine.dispose()
            print(f"populated {args.accounts} accounts in {time.perf_counter() - started:.1f}s")
            done = subprocess.run(
                [sys.executable, __file__, "--child", url],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            drop()
    print(f"db={args.db} accounts={args.accounts} lots/account={args.lots}")
    print(
        f"liability report over {result['entries']} ledger entries ({result['cohorts']} cohorts, "
        f"{result['matured']} matured): {result['seconds']:.2f}s, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB; live points {result['live_points']}, "
        f"expected breakage {result['breakage_bp']} bp, deferred revenue "
        f"{result['deferred_minor']} minor units; roll-forward ties to the ledger: "
        f"{result['ties']}"
    )


if __name__ == "__main__":
    main()
