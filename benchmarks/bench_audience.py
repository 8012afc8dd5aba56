"""Audiences and campaign launch at scale.

    python benchmarks/bench_audience.py --customers 1000000            # the issue's scale
    python benchmarks/bench_audience.py --customers 2000 --null-outbox  # a smoke run

1. Builds a synthetic analytics snapshot (DuckDB) of ``--customers`` people with three purchases
   each over the last year (two lines each, 20 categories), cart events for one in ten, and live
   balances and expiring points, then evaluates a five-condition audience over it ("bought
   Food in the last 90 days and not in the last 30, aged 25-55, not in Тула, e-mail consent, or
   points expiring within 14 days") and prints the time (target: 1M customers in under 2 s).
2. Writes the same customers into a scratch SQLite store and launches a two-variant e-mail
   campaign to every customer: freeze the audience, split the controls, render each message
   (Liquid, personal values, unsubscribe link) and hand it to ``messages.enqueue`` in chunks;
   prints messages/s and the peak RSS of the launch, run in a process of its own so the
   synthetic data build does not count (target: 10,000/s, under 300 MiB). ``--null-outbox``
   counts the messages instead of inserting them (rendering and hand-off only).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import insert

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns import audiences, campaign, messages
from omnicrm.store.commandline import migrated_engine
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer

NOW = datetime(2025, 10, 1, 10, tzinfo=UTC)
RULE = {
    "type": "any",
    "rules": [
        {
            "type": "all",
            "rules": [
                {"type": "purchased", "categories": ["Food"], "within_days": 90},
                {
                    "type": "not",
                    "rule": {"type": "purchased", "categories": ["Food"], "within_days": 30},
                },
                {"type": "age", "min": 25, "max": 55},
                {"type": "not", "rule": {"type": "attribute", "field": "city", "values": ["Тула"]}},
                {"type": "consent", "channel": "email"},
            ],
        },
        {"type": "points_expiring", "within_days": 14},
    ],
}
TEMPLATE = (
    "Hello {{ first_name | default: 'friend' }}! You have {{ balance }} points"
    "{% if points_expiring > 0 %}, {{ points_expiring }} expire on {{ points_expire_on }}"
    "{% endif %}. Your code: {{ offer_code }}."
)


def build_snapshot(db, n: int) -> None:  # type: ignore[no-untyped-def]
    """People, products, orders with lines and cart events written straight into DuckDB."""
    db.execute("INSERT INTO products SELECT i, 'SKU' || i, 'P' || i, i % 20, "
               "CASE WHEN i % 20 < 5 THEN 'Food/' ELSE 'Home/' END || (i % 20), 'B' "
               "FROM range(200) t(i)")  # fmt: skip
    db.execute(
        """INSERT INTO customers (id, resolved_id)
           SELECT i, i FROM range(1, $n + 1) t(i)""",
        {"n": n},
    )
    db.execute(
        """INSERT INTO people (id, gender, birth_date, city, level)
           SELECT i, CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END,
                  DATE '1950-01-01' + CAST((i * 37) % 20000 AS INTEGER),
                  CASE WHEN i % 7 = 0 THEN 'Тула' ELSE 'Москва' END,
                  CASE WHEN i % 3 = 0 THEN 'gold' ELSE 'base' END
           FROM range(1, $n + 1) t(i)""",
        {"n": n},
    )
    db.execute(
        """INSERT INTO orders (id, customer_id, placed_at, total_minor, discount_minor,
                               points_minor, cancelled, fulfilled, channel, status)
           SELECT i, 1 + i % $n, $now - to_days(CAST(hash(i) % 365 AS INTEGER)),
                  1000 + hash(i) % 9000, 0, 0, false, true, 'store', 'completed'
           FROM range(1, 3 * $n + 1) t(i)""",
        {"n": n, "now": NOW},
    )
    db.execute(
        """INSERT INTO order_lines SELECT o.id, l.k, (o.id * 7 + l.k * 13) % 200, 1, 500, 0
           FROM orders o, range(1, 3) l(k)"""
    )
    db.execute(
        """INSERT INTO event_days (customer_id, day, channel, kind, events, first_at, last_at)
           SELECT i, CAST($now AS DATE), 'web', 'add_to_cart', 1, $now - INTERVAL 30 HOUR,
                  $now - INTERVAL 30 HOUR
           FROM range(1, $n + 1, 10) t(i)""",
        {"n": n, "now": NOW},
    )


def live(n: int) -> dict[str, pa.Table]:
    ids = np.arange(1, n + 1)
    return {
        "consents": pa.table(
            {
                "customer_id": ids,
                "channel": pa.array(["email"] * n),
                "granted": ids % 5 != 0,
                "recorded_at": pa.array([NOW - timedelta(days=100)] * n),
            }
        ),
        "expiring": pa.table(
            {
                "customer_id": ids[::50],
                "points": np.full(len(ids[::50]), 100),
                "expires_at": pa.array([NOW + timedelta(days=7)] * len(ids[::50])),
            }
        ),
    }


def peak_mib() -> float:
    """This process's peak RSS (Linux's VmHWM: unlike ru_maxrss, it starts afresh at exec)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def launch_in_child(tmp: Path, null_outbox: bool) -> dict:
    """Run the launch in a fresh process, so its peak RSS is the launch's own, not the data
    build's."""
    command = [sys.executable, __file__, "--launch", str(tmp)]
    done = subprocess.run(
        command + (["--null-outbox"] if null_outbox else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def launch(tmp: Path, null_outbox: bool) -> None:
    """The child: launch the campaign over the parent's store and snapshot, print the figures."""
    snap = Snapshot(tmp / "bench.duckdb")
    db = snap.cursor()
    engine = migrated_engine(f"sqlite:///{tmp / 'bench.db'}")

    def count(conn, batch) -> int:  # type: ignore[no-untyped-def]
        return len(batch)

    before = peak_mib()
    tick = time.perf_counter()
    report = campaign.launch(engine, db, "bench", NOW, count if null_outbox else messages.enqueue)
    took = time.perf_counter() - tick
    figures = {
        "seconds": took,
        "queued": report.queued,
        "audience": report.audience,
        "control": report.control,
        "global_control": report.global_control,
        "peak_mib": peak_mib(),
        "before_mib": before,
    }
    print(json.dumps(figures))
    db.close()
    snap.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--null-outbox", action="store_true")
    parser.add_argument("--launch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.launch:
        launch(Path(args.launch), args.null_outbox)
        return
    n = args.customers
    with tempfile.TemporaryDirectory() as tmp:
        snap = Snapshot(Path(tmp) / "bench.duckdb")
        db = snap.cursor()
        tick = time.perf_counter()
        build_snapshot(db, n)
        print(f"snapshot of {n:,} customers built in {time.perf_counter() - tick:.1f} s")
        rule = audiences.parse_rule(RULE)
        tables = live(n)
        tick = time.perf_counter()
        selected = audiences.members(db, rule, NOW, tables)
        took = time.perf_counter() - tick
        print(f"audience of {len(selected):,} / {n:,} customers evaluated in {took:.2f} s")

        engine = migrated_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with unit_of_work(engine) as session:
            conn = session.connection()
            for lo in range(1, n + 1, 50_000):
                conn.execute(
                    insert(Customer),
                    [
                        {"id": i, "source": "bench", "source_key": str(i), "first_name": f"N{i}",
                         "created_at": NOW}
                        for i in range(lo, min(lo + 50_000, n + 1))
                    ],
                )  # fmt: skip
            everyone = audiences.parse_rule({"type": "age", "min": 0})
            audiences.save(session, "all", "Everyone", everyone, NOW)
            variants = (
                campaign.Variant("A", TEMPLATE, "Hi {{ first_name }}", "<p>" + TEMPLATE + "</p>"),
                campaign.Variant("B", TEMPLATE, "Points for {{ first_name }}"),
            )
            new = campaign.NewCampaign("bench", "Bench", "all", "email", variants, offer_code="B10")
            campaign.create(session, new, NOW)
        db.close()
        snap.close()
        engine.dispose()
        launched = launch_in_child(Path(tmp), args.null_outbox)
    where = "counted (null outbox)" if args.null_outbox else "inserted into the outbox"
    took = launched["seconds"]
    print(
        f"launch: {launched['queued']:,} messages rendered and {where} in {took:.2f} s "
        f"= {launched['queued'] / took:,.0f} messages/s (audience {launched['audience']:,}, "
        f"controls {launched['control']:,} + {launched['global_control']:,})"
    )
    print(
        f"peak RSS of the launch's own process {launched['peak_mib']:.0f} MiB "
        f"(of which {launched['before_mib']:.0f} MiB before it: imports, engine; building the "
        f"synthetic data took {peak_mib():.0f} MiB in the parent)"
    )
    return None


if __name__ == "__main__":
    sys.exit(main())
