"""House cards vs loyal shoppers: which cards the deterministic run quarantines, judged against
the synthetic chain's ground truth, next to what the old frequency rule would have taken.

    python benchmarks/bench_house_cards.py --customers 20000

A house card is a card the generator registered for a store ("Карта Магазин ..."); every other
card is a member's own. Printed: cards quarantined as house cards (true house cards / members'
own cards), the signals that named them, the members' cards the old rule (50+ receipts a year in
one store and over 2% of its receipts, or more than 6 a day) would have quarantined, the busiest
member cards kept, and the time of the run. Speed and counts only: no timed assertion anywhere.
"""

import argparse
import csv
import os
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import Engine

from omnicrm.identity.arrow_io import read_table
from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import make_engine, read_session
from omnicrm.store.migrate import upgrade
from omnicrm.store.schema import QuarantinedIdentifier

USES = pa.schema([("card", pa.string()), ("store", pa.int64()), ("day", pa.string())])


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _prepare(customers: int, seed: int, db: str | None) -> tuple[Engine, Path]:
    from omnicrm.ingest.bulk import import_directory
    from omnicrm.synth import generate

    work = Path(tempfile.mkdtemp(prefix="bench_house_cards_"))
    generate(work / "data", customers=customers, seed=seed)
    engine = make_engine(db or f"sqlite:///{work / 'omnicrm.db'}")
    upgrade(engine)
    import_directory(engine, work / "data")
    return engine, work / "data"


def _house_truth(data: Path) -> set[str]:
    with (data / "loyalty_members.csv").open(encoding="utf-8") as f:
        return {r["card_no"] for r in csv.DictReader(f) if r["first_name"] == "Карта"}


def _old_rule(engine: Engine) -> tuple[set[str], list[tuple[str, int]]]:
    """Cards the old frequency rule took, and the busiest cards by receipts in one store."""
    day = (
        "to_char(o.placed_at, 'YYYY-MM-DD')"
        if engine.dialect.name == "postgresql"
        else ("substr(o.placed_at, 1, 10)")
    )
    with engine.connect() as conn:
        uses = read_table(
            conn,
            f"""SELECT ri.value, o.store_id, {day} FROM record_identifiers ri
                JOIN orders o ON o.id = ri.record_id
                WHERE ri.record_type = 'order' AND ri.kind = 'card'""",
            USES,
        )
    db = duckdb.connect()
    db.register("uses", uses)
    old = db.execute(
        """WITH s AS (SELECT store, count(*) AS receipts FROM uses GROUP BY store),
                c AS (SELECT card, store, count(*) AS n FROM uses GROUP BY card, store),
                d AS (SELECT card, day, count(*) AS n FROM uses GROUP BY card, day)
           SELECT card FROM c JOIN s USING (store) WHERE n >= 50 AND n > 0.02 * receipts
           UNION SELECT card FROM d WHERE n > 6"""
    ).fetchall()
    busiest = db.execute(
        "SELECT card, count(*) AS n FROM uses GROUP BY card, store ORDER BY n DESC LIMIT 200"
    ).fetchall()
    return {c for (c,) in old}, busiest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", help="an empty database URL (default: a new SQLite file)")
    args = parser.parse_args(argv)
    engine, data = _prepare(args.customers, args.seed, args.db)
    house = _house_truth(data)
    t = time.perf_counter()
    resolve_all(engine, probabilistic=False)
    seconds = time.perf_counter() - t
    with read_session(engine) as s:
        quarantined = {
            q.value: q.evidence
            for q in s.query(QuarantinedIdentifier).filter_by(kind="card", reason="house_card")
        }
    old, busiest = _old_rule(engine)
    signals = Counter(k for ev in quarantined.values() for k in ev)
    taken = set(quarantined)
    kept_busy = [(c, n) for c, n in busiest if c not in house and c not in taken][:1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.customers} customers ({engine.dialect.name}); {_load()}")
    print(f"house cards in the truth: {len(house)}")
    print(
        f"quarantined as house cards: {len(taken)} = {len(taken & house)} true house cards + "
        f"{len(taken - house)} members' own cards; house cards missed: {len(house - taken)}"
    )
    print(f"signals: {dict(sorted(signals.items()))}")
    print(
        f"old frequency rule: {len(old)} cards = {len(old & house)} house + "
        f"{len(old - house)} members' own cards"
    )
    if kept_busy:
        print(f"busiest member card kept: {kept_busy[0][1]} receipts in one store")
    print(f"deterministic resolution {seconds:.1f} s, peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
