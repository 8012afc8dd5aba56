"""Bulk import throughput: synthetic exports into SQLite or PostgreSQL.

    python benchmarks/bench_import.py --customers 100000 --db sqlite
    python benchmarks/bench_import.py --customers 100000 --db postgres --pg-url postgresql+psycopg://...

Prints order lines/s, records/s, seconds per source and peak RSS, and the database's own limit for
the same order-line rows (executemany on SQLite, COPY on PostgreSQL, into a scratch table), so the
ratio shows how much of the time is ours; and the load averages, as other jobs share the cores.
"""

import argparse
import os
import resource
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from omnicrm.ingest.bulk import import_directory
from omnicrm.store.db import make_engine
from omnicrm.store.migrate import upgrade
from omnicrm.synth import generate

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ORDER_SOURCES = ("pos", "web", "app", "callcentre", "marketplace")


def fresh_database(kind: str, pg_url: str, workdir: Path) -> tuple[Engine, callable]:  # type: ignore[valid-type]
    """A migrated empty database and a function that drops it."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
        upgrade(engine)
        return engine, engine.dispose
    admin = make_engine(pg_url).execution_options(isolation_level="AUTOCOMMIT")
    name = f"omnicrm_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    upgrade(engine)

    def drop() -> None:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return engine, drop


def raw_insert_rate(engine: Engine) -> float:
    """Order-line rows/s the database takes with no parsing at all: the stored lines copied
    into a scratch table of the same shape."""
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT order_id, line_no, product_id, qty, unit_price_minor, discount_minor,"
                " amount_minor FROM order_lines"
            )
        ).all()
        rows = [tuple(r) for r in rows]
        conn.exec_driver_sql(
            "CREATE TEMPORARY TABLE scratch_lines (order_id bigint, line_no int, product_id bigint,"
            " qty int, unit_price_minor bigint, discount_minor bigint, amount_minor bigint,"
            " PRIMARY KEY (order_id, line_no))"
        )
        dbapi = conn.connection.driver_connection
        cursor = dbapi.cursor()  # type: ignore[union-attr]
        started = time.perf_counter()
        if engine.dialect.name == "sqlite":
            cursor.executemany("INSERT INTO scratch_lines VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        else:
            with cursor.copy("COPY scratch_lines FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        elapsed = time.perf_counter() - started
        conn.exec_driver_sql("DROP TABLE scratch_lines")
    return len(rows) / elapsed if elapsed else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument(
        "--data", type=Path, help="Reuse exports in this folder instead of generating."
    )
    parser.add_argument("--fmt", choices=("native", "parquet"), default="native")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="omnicrm-bench-") as tmp:
        workdir = Path(tmp)
        data = args.data
        if data is None:
            data = workdir / "data"
            started = time.perf_counter()
            generate(data, customers=args.customers, seed=42, fmt=args.fmt)
            print(f"generated {args.customers:,} customers in {time.perf_counter() - started:.1f}s")
        engine, drop = fresh_database(args.db, args.pg_url, workdir)
        load_before = os.getloadavg()
        try:
            started = time.perf_counter()
            report = import_directory(engine, data)
            elapsed = time.perf_counter() - started
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            children_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            load_after = os.getloadavg()
            raw = raw_insert_rate(engine)
        finally:
            drop()
    total = report.total
    print(
        f"{'source':<12} {'records':>10} {'inserted':>10} {'rejected':>9} {'lines':>10}"
        f" {'seconds':>8}"
    )
    for name, c in report.sources.items():
        if c.records:
            print(
                f"{name:<12} {c.records:>10,} {c.inserted:>10,} {c.rejected:>9,} {c.lines:>10,}"
                f" {c.seconds:>8.2f}"
                + (f" {c.lines / c.seconds:>10,.0f} lines/s" if c.lines and c.seconds else "")
            )
    orders = [report.sources[s] for s in ORDER_SOURCES if s in report.sources]
    order_lines = sum(c.lines for c in orders)
    lines_per_s = order_lines / sum(c.seconds for c in orders)
    print(f"backend          {args.db}")
    print(f"import seconds   {elapsed:.1f} (all sources)")
    print(f"records/s        {total.records / elapsed:,.0f} (all sources)")
    print(f"order lines/s    {lines_per_s:,.0f} ({order_lines:,} lines of the order sources)")
    print(
        f"raw line insert  {raw:,.0f} rows/s (the database alone);"
        f" import is {lines_per_s / raw:.1%} of it"
    )
    print(
        f"peak RSS         {peak_mib:,.0f} MiB (import), {children_mib:,.0f} MiB (largest worker)"
    )
    print(f"rejected         {total.rejected:,}")
    print(
        "load average     "
        + " -> ".join(" ".join(f"{x:.2f}" for x in load) for load in (load_before, load_after))
        + f" (1/5/15 min, before -> after; {os.cpu_count()} cores, shared)"
    )


if __name__ == "__main__":
    main()
