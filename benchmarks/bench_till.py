"""Till throughput: calculate + confirm of 10-line receipts over HTTP from concurrent tills.

    python benchmarks/bench_till.py --customers 1000 --db sqlite --clients 8 --seconds 5
    python benchmarks/bench_till.py --customers 1000000 --db postgres --clients 8 --seconds 30

Builds a fresh database with N members (customers, card identifiers, accounts and one active lot
of points each, bulk-inserted), serves the API with uvicorn in a subprocess, runs ``--clients``
tills (threads, one HTTP connection each) that identify by card, calculate and confirm a 10-line
receipt (every other one spending points), and prints receipts/s and p50/p99 latencies. On
PostgreSQL it then runs ``pgbench`` (-i -s 10, -c CLIENTS -T SECONDS) on a scratch database for a
yardstick of what the server does with the same concurrency.
"""

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from omnicrm.access.keys import create_key
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.store.db import make_engine, unit_of_work
from omnicrm.store.migrate import upgrade
from omnicrm.store.schema.loyalty import (
    LoyaltyOperation,
)

DEFAULT_PG = os.environ.get(
    "OMNICRM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHUNK = 50_000
SEED_POINTS = 1_000
CATEGORIES = ["dairy", "bakery", "toys", "coffee", "garden", "tv", "kids", "fruit"]


def card_number(account_id: int) -> str:
    return f"2{account_id:012d}"


# ---------------------------------------------------------------- database


def fresh_database(kind: str, pg_url: str, workdir: Path) -> tuple[str, callable]:  # type: ignore[valid-type]
    """A new empty database URL and a function that drops it."""
    if kind == "sqlite":
        path = workdir / "bench.db"
        return f"sqlite:///{path}", lambda: None
    name = f"omnicrm_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


def _copy(engine: Engine, table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL (fastest), executemany elsewhere."""
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp,
            ):
                for row in rows:
                    cp.write_row(row)
            raw.commit()
        finally:
            raw.close()
        return
    from omnicrm.store.schema import Base

    tbl = Base.metadata.tables[table]
    with engine.begin() as conn:
        conn.execute(insert(tbl), [dict(zip(columns, row, strict=True)) for row in rows])


def _generate_on_server(
    engine: Engine,
    members: int,
    lots_per_member: int,
    seed_id: int,
    earned: datetime,
    available: datetime,
    expires: datetime,
) -> None:
    """PostgreSQL makes the rows itself (generate_series): no row crosses the wire."""
    k = lots_per_member
    statements = [
        "INSERT INTO customers (id, created_at, source, source_key, first_name) "
        "SELECT i, :earned, 'bench', i::text, 'M' || i FROM generate_series(1, :n) i",
        "INSERT INTO identifiers (id, kind, value, customer_id, first_seen_at) "
        "SELECT i, 'card', '2' || lpad(i::text, 12, '0'), i, :earned FROM generate_series(1, :n) i",
        "INSERT INTO loyalty_accounts (id, customer_id, program_code, card_state, balance, debt, "
        "level, stamps, referral_rewarded, created_at) "
        "SELECT i, i, 'retail', 'active', :points * :k, 0, 'base', '{}', false, :earned "
        "FROM generate_series(1, :n) i",
        "INSERT INTO loyalty_lots (id, account_id, operation_id, rule, points, remaining, "
        "earned_at, available_at, expires_at) "
        "SELECT (i - 1) * :k + j, i, :seed, 'seed', :points, :points, :earned, :available, "
        ":expires FROM generate_series(1, :n) i, generate_series(1, :k) j",
        "INSERT INTO loyalty_entries "
        "(id, account_id, operation_id, lot_id, kind, points, rule, at) "
        "SELECT (i - 1) * :k + j, i, :seed, (i - 1) * :k + j, 'earn', :points, 'seed', :earned "
        "FROM generate_series(1, :n) i, generate_series(1, :k) j",
    ]
    params = {
        "n": members,
        "k": k,
        "seed": seed_id,
        "points": SEED_POINTS,
        "earned": earned,
        "available": available,
        "expires": expires,
    }
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def _insert_in_chunks(
    engine: Engine,
    members: int,
    lots_per_member: int,
    seed_id: int,
    earned: datetime,
    available: datetime,
    expires: datetime,
) -> None:
    """SQLite: executemany in chunks of ``CHUNK`` members."""
    lot_id = 0
    extra = (False, earned)
    window = (earned, available, expires)
    for start in range(1, members + 1, CHUNK):
        ids = range(start, min(start + CHUNK, members + 1))
        _copy(
            engine,
            "customers",
            ["id", "created_at", "source", "source_key", "first_name"],
            [(i, earned, "bench", str(i), f"M{i}") for i in ids],
        )
        _copy(
            engine,
            "identifiers",
            ["id", "kind", "value", "customer_id", "first_seen_at"],
            [(i, "card", card_number(i), i, earned) for i in ids],
        )
        _copy(
            engine,
            "loyalty_accounts",
            [
                "id",
                "customer_id",
                "program_code",
                "card_state",
                "balance",
                "debt",
                "level",
                "stamps",
                "referral_rewarded",
                "created_at",
            ],
            [
                (i, i, "retail", "active", SEED_POINTS * lots_per_member, 0, "base", {}, *extra)
                for i in ids
            ],
        )
        lots, entries = [], []
        for i in ids:
            for _ in range(lots_per_member):
                lot_id += 1
                lots.append((lot_id, i, seed_id, "seed", SEED_POINTS, SEED_POINTS, *window))
                entries.append((lot_id, i, seed_id, lot_id, "earn", SEED_POINTS, "seed", earned))
        _copy(
            engine,
            "loyalty_lots",
            [
                "id",
                "account_id",
                "operation_id",
                "rule",
                "points",
                "remaining",
                "earned_at",
                "available_at",
                "expires_at",
            ],
            lots,
        )
        _copy(
            engine,
            "loyalty_entries",
            ["id", "account_id", "operation_id", "lot_id", "kind", "points", "rule", "at"],
            entries,
        )


def populate(engine: Engine, members: int, lots_per_member: int = 1, expired: bool = False) -> None:
    """N members, each with a card, an account and ``lots_per_member`` lots of points (active,
    or already expired when ``expired``), consistent with the ledger (entries, balance)."""
    upgrade(engine)
    with unit_of_work(engine) as session:
        save_program(session, read_program_file(EXAMPLES / "retail.json"))
        seed = LoyaltyOperation(
            account_id=None,
            kind="seed",
            terminal="bench",
            op_key="seed",
            request_hash="",
            status="done",
            occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
            recorded_at=datetime.now(UTC),
            response={},
        )
        session.add(seed)
        session.flush()
        seed_id = seed.id
    earned = datetime(2024, 1, 1, tzinfo=UTC)
    available = earned + timedelta(days=14)
    expires = datetime(2024, 6, 1, tzinfo=UTC) if expired else datetime(2099, 1, 1, tzinfo=UTC)
    pg = engine.dialect.name == "postgresql"
    if pg:
        _generate_on_server(engine, members, lots_per_member, seed_id, earned, available, expires)
    else:
        _insert_in_chunks(engine, members, lots_per_member, seed_id, earned, available, expires)
    if pg:
        with engine.begin() as conn:
            for table in (
                "customers",
                "identifiers",
                "loyalty_accounts",
                "loyalty_lots",
                "loyalty_entries",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


# ---------------------------------------------------------------- server


def server_app():  # type: ignore[no-untyped-def]
    """Factory for uvicorn workers: the app over ``OMNICRM_BENCH_DB``."""
    from omnicrm.api.app import create_app

    return create_app(make_engine(os.environ["OMNICRM_BENCH_DB"]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "OMNICRM_BENCH_DB": url,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench_till:server_app",
            "--factory",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its children (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pids.extend(int(child) for child in children)
    return total


def wait_until_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API did not start")


# ---------------------------------------------------------------- tills


def till(base: str, key: str, members: int, stop: float, n: int, out: dict) -> None:
    rng = random.Random(n)
    pairs, confirms, calcs, failures = [], [], [], 0
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        k = 0
        while time.monotonic() < stop:
            k += 1
            card = card_number(rng.randint(1, members))
            lines = [
                {
                    "line_no": i,
                    "sku": f"SKU{rng.randint(1, 3000)}",
                    "category": rng.choice(CATEGORIES),
                    "qty": rng.randint(1, 3),
                    "price_minor": rng.randint(3_000, 90_000),
                }
                for i in range(1, 11)
            ]
            body = {
                "terminal": f"BENCH-{n}",
                "receipt_id": f"{n}-{k}-{uuid.uuid4().hex[:6]}",
                "identify": {"kind": "card", "value": card},
                "lines": lines,
            }
            t0 = time.perf_counter()
            quote = http.post("/api/v1/till/calculate", json=body)
            t1 = time.perf_counter()
            if quote.status_code != 200:
                failures += 1
                continue
            spend = min(quote.json()["max_points_to_spend"], 100) if k % 2 else 0
            done = http.post("/api/v1/till/confirm", json={**body, "points_to_spend": spend})
            t2 = time.perf_counter()
            if done.status_code != 200:
                failures += 1
                continue
            calcs.append(t1 - t0)
            confirms.append(t2 - t1)
            pairs.append(t2 - t0)
    out[n] = (pairs, calcs, confirms, failures)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def run_pgbench(pg_url: str, clients: int, seconds: int) -> str:
    url = make_url(pg_url)
    name = f"omnicrm_pgbench_{uuid.uuid4().hex[:6]}"
    admin = make_engine(pg_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    args = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    try:
        subprocess.run(
            ["pgbench", *args, "-i", "-q", "-s", "10", name],
            check=True,
            env=env,
            capture_output=True,
        )
        done = subprocess.run(
            ["pgbench", *args, "-c", str(clients), "-j", str(clients), "-T", str(seconds), name],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        )
        match = re.search(r"tps = ([\d.]+)", done.stdout)
        return match.group(1) if match else done.stdout
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="uvicorn worker processes (default: 1 on SQLite, CPUs on PostgreSQL)",
    )
    args = parser.parse_args()
    workers = args.workers or (1 if args.db == "sqlite" else max(1, os.cpu_count() or 1))

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(args.db, args.pg_url, Path(tmp))
        try:
            engine = make_engine(url)
            started = time.perf_counter()
            populate(engine, args.customers)
            with unit_of_work(engine) as session:
                key = create_key(session, "bench-till", ["till:*"])
            engine.dispose()
            print(f"populated {args.customers} members in {time.perf_counter() - started:.1f}s")
            port = free_port()
            server = start_server(url, port, workers)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(base, time.monotonic() + 60)
                out: dict = {}
                stop = time.monotonic() + args.seconds
                threads = [
                    threading.Thread(target=till, args=(base, key, args.customers, stop, n, out))
                    for n in range(args.clients)
                ]
                t0 = time.perf_counter()
                server_cpu0, client_cpu0 = tree_cpu_seconds(server.pid), time.process_time()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.perf_counter() - t0
                server_cpu = tree_cpu_seconds(server.pid) - server_cpu0
                client_cpu = time.process_time() - client_cpu0
            finally:
                server.terminate()
                server.wait(30)
            pairs = [x for v in out.values() for x in v[0]]
            calcs = [x for v in out.values() for x in v[1]]
            confirms = [x for v in out.values() for x in v[2]]
            failures = sum(v[3] for v in out.values())
            print(
                f"db={args.db} customers={args.customers} clients={args.clients} "
                f"workers={workers} seconds={elapsed:.1f}"
            )
            print(
                f"receipts/s (calculate+confirm): {len(pairs) / elapsed:.1f}  "
                f"receipts={len(pairs)} failures={failures}"
            )
            print(f"receipt latency ms: p50={pct(pairs, 0.5):.1f} p99={pct(pairs, 0.99):.1f}")
            print(
                f"calculate ms: p50={pct(calcs, 0.5):.1f} p99={pct(calcs, 0.99):.1f}; "
                f"confirm ms: p50={pct(confirms, 0.5):.1f} p99={pct(confirms, 0.99):.1f}"
            )
            if calcs:
                print(f"mean receipt ms: {statistics.mean(pairs) * 1000:.1f}")
                print(
                    f"CPU ms per receipt: server {server_cpu / len(pairs) * 1000:.2f}, "
                    f"tills (this process) {client_cpu / len(pairs) * 1000:.2f}; "
                    f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
                )
        finally:
            drop()
    if args.db == "postgres":
        print(
            f"pgbench -s 10 -c {args.clients} -T {args.seconds}: tps = "
            f"{run_pgbench(args.pg_url, args.clients, args.seconds)}"
        )


if __name__ == "__main__":
    main()
