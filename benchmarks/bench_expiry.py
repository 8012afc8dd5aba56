"""The points expiry job over N accounts: time and peak memory.

    python benchmarks/bench_expiry.py --accounts 10000 [--db postgres] [--batch 5000]

Builds a fresh database with N members, each holding one expired lot and one live lot (bulk
inserted, see ``bench_till.populate``), then runs ``expire_points`` in a child process and prints
the lots and points burnt, the time, lots/s and the child's peak RSS.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench_till import DEFAULT_PG, fresh_database, populate
from omnicrm.loyalty.expiry import expire_points
from omnicrm.store.db import make_engine

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def child(url: str, batch: int) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    report = expire_points(engine, NOW, batch=batch)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_rss_mb": peak_kb / 1024,
                "lots": report.lots,
                "points": report.points,
                "accounts": report.accounts,
                "batches": report.batches,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.batch)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(args.db, args.pg_url, Path(tmp))
        try:
            engine = make_engine(url)
            started = time.perf_counter()
            populate(engine, args.accounts, lots_per_member=1, expired=True)
            populate_live(engine, args.accounts)
            engine.dispose()
            print(f"populated {args.accounts} accounts in {time.perf_counter() - started:.1f}s")
            done = subprocess.run(
                [sys.executable, __file__, "--child", url, "--batch", str(args.batch)],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            engine = make_engine(url)
            with engine.connect() as conn:
                drift = conn.execute(
                    text(
                        "SELECT count(*) FROM loyalty_accounts a WHERE a.balance <> "
                        "(SELECT coalesce(sum(points), 0) FROM loyalty_entries e "
                        "WHERE e.account_id = a.id)"
                    )
                ).scalar()
            engine.dispose()
        finally:
            drop()
    rate = result["lots"] / result["seconds"] if result["seconds"] else 0
    print(f"db={args.db} accounts={args.accounts} batch={args.batch}")
    print(
        f"expired {result['lots']} lots / {result['points']} points of {result['accounts']} "
        f"accounts in {result['batches']} batches: {result['seconds']:.2f}s "
        f"({rate:.0f} lots/s), peak RSS {result['peak_rss_mb']:.0f} MB; "
        f"accounts whose balance drifted from the entries: {drift}"
    )


def populate_live(engine, accounts: int) -> None:  # type: ignore[no-untyped-def]
    """Give every account a second, live lot so the job must pick the expired ones only."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO loyalty_lots (account_id, operation_id, rule, points, remaining, "
                "earned_at, available_at, expires_at) SELECT account_id, operation_id, 'live', "
                "points, remaining, earned_at, available_at, :far FROM loyalty_lots"
            ),
            {
                "far": datetime(2099, 1, 1)
                if engine.dialect.name == "sqlite"
                else datetime(2099, 1, 1, tzinfo=UTC)
            },
        )
        conn.execute(
            text(
                "INSERT INTO loyalty_entries (account_id, operation_id, lot_id, kind, points, "
                "rule, at) SELECT account_id, operation_id, id, 'earn', points, 'live', earned_at "
                "FROM loyalty_lots WHERE rule = 'live'"
            )
        )
        conn.execute(text("UPDATE loyalty_accounts SET balance = balance * 2"))


if __name__ == "__main__":
    main()
