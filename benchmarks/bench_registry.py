"""Migrating a loyalty registry of N members: rows/s and peak memory of the import that opens
every account with its card state, level and opening balance.

    python benchmarks/bench_registry.py --members 1000000 [--db postgres]

Writes a registry CSV of N members (every optional migration column filled, three of four
members with a balance) into a temporary folder, loads the bundled program into a fresh
database, then imports the file in a child process with ``omnicrm.ingest.bulk.import_file``
and prints the time, members/s, ledger rows written/s and the peak RSS of the child and of its
validation workers.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import func, select

from bench_till import DEFAULT_PG, fresh_database
from omnicrm.ingest.bulk import import_file
from omnicrm.loyalty.migration import load_program
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.store.db import make_engine, read_session
from omnicrm.store.migrate import upgrade
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyEntry, LoyaltyLot

FIRST = ["Анна", "Мария", "Ольга", "Елена", "Иван", "Пётр", "Сергей", "Дмитрий"]
LAST = ["Иванова", "Петрова", "Смирнова", "Кузнецова", "Иванов", "Петров", "Смирнов", "Попов"]


def write_registry(path: Path, members: int, seed: int = 7) -> None:
    """A registry in the ``members`` export shape (docs/CHANNELS.md), made up here."""
    rng = np.random.default_rng(seed)
    n = np.arange(members, dtype=np.int64)
    strings = lambda values: pa.array(values, pa.string())  # noqa: E731
    tier = rng.choice(3, members, p=[0.8, 0.15, 0.05])
    balance = np.where(rng.random(members) < 0.25, 0, rng.lognormal(6, 1, members).astype(int))
    table = pa.table(
        {
            "card_no": strings([f"27{i:011d}" for i in n]),
            "issued_at": strings(["2023-05-01T10:00:00+03:00"] * members),
            "store_code": strings([""] * members),
            "last_name": strings(np.array(LAST)[rng.integers(0, len(LAST), members)]),
            "first_name": strings(np.array(FIRST)[rng.integers(0, len(FIRST), members)]),
            "middle_name": strings([""] * members),
            "birth_date": strings([""] * members),
            "gender": strings([""] * members),
            "phone": strings([f"+79{i:09d}" for i in n]),
            "email": strings([f"m{i}@mail.ru" for i in n]),
            "city": strings(["Москва"] * members),
            "consent_email": strings([""] * members),
            "consent_sms": strings(np.where(rng.random(members) < 0.6, "1", "0")),
            "consent_push": strings([""] * members),
            "consent_at": strings(["2023-05-01T10:01:00+03:00"] * members),
            "card_state": strings(
                np.array(["active", "accrual_only", "blocked"])[
                    rng.choice(3, members, p=[0.97, 0.02, 0.01])
                ]
            ),
            "points_balance": strings(balance.astype(str)),
            "period_spend_minor": strings(
                (
                    np.array([0, 3_000_000, 10_000_000])[tier] + rng.integers(0, 2_000_000, members)
                ).astype(str)
            ),
            "level": strings(np.array(["base", "silver", "gold"])[tier]),
            "level_since": strings(["2025-06-01T00:00:00+03:00"] * members),
            "points_expire_at": strings(["2027-06-30T23:59:59+03:00"] * members),
            "channel": strings(np.array(["till", "web", "app"])[rng.integers(0, 3, members)]),
        }
    )
    pacsv.write_csv(table, path)


def child(url: str, path: str) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    report = import_file(engine, Path(path), source="members")
    elapsed = time.perf_counter() - started
    with read_session(engine) as session:
        rows = {
            m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (LoyaltyAccount, LoyaltyLot, LoyaltyEntry)
        }
    counts = report.sources["members"]
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "inserted": counts.inserted,
                "rejected": counts.rejected,
                "rows": rows,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "workers_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loyalty_members.csv"
        began = time.perf_counter()
        write_registry(path, args.members)
        print(f"registry of {args.members:,} members written in {time.perf_counter() - began:.1f}s")
        url, drop = fresh_database(args.db, args.pg_url, Path(tmp))
        try:
            engine = make_engine(url)
            upgrade(engine)
            load_program(engine, read_program_file(EXAMPLES / "retail.json"))
            engine.dispose()
            done = subprocess.run(
                [sys.executable, __file__, "--child", url, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            drop()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = result["seconds"]
    ledger = sum(result["rows"].values())
    print(
        f"{args.db}: {result['inserted']:,} members migrated ({result['rejected']} rejected) in "
        f"{seconds:.1f}s = {result['inserted'] / seconds:,.0f} members/s; "
        f"accounts+lots+entries {ledger:,} rows = {ledger / seconds:,.0f} rows/s"
    )
    print(
        f"peak RSS {result['peak_rss_mb']:.0f} MiB (+ workers {result['workers_peak_rss_mb']:.0f}"
        f" MiB); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
