"""Identity resolution benchmark: quality against ground truth, and speed.

    python benchmarks/bench_identity.py --customers 2000
    python benchmarks/bench_identity.py --data DIR --db URL     # reuse generated + imported data

Scope of the quality figures: every record the ground truth assigns to a person (orders, events and
loyalty members) that is attributable: it carries a usable identifier (not a masked phone, not a
blocked placeholder) and either that identifier creates profiles (card, phone, e-mail, marketplace
buyer), or the record is an order, or it shares a device / cookie / MAC with such a record.
Anonymous receipts, sensor sightings and browsing never tied to a purchase or contact are out of
scope: by policy they stay anonymous. Pairwise
precision / recall / F1 count pairs of in-scope records put in one profile; a record left without
a profile is a profile of its own.
"""

import argparse
import csv
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, text

from omnicrm.identity.arrow_io import read_table
from omnicrm.identity.policy import POLICIES, Creates, is_blocked, links_alone, links_corroborated
from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import make_engine, unit_of_work
from omnicrm.store.migrate import upgrade

RECORDS = pa.schema(
    [
        ("source", pa.string()),
        ("source_key", pa.string()),
        ("node", pa.string()),
        ("profile", pa.int64()),
    ]
)


def _prepare(args: argparse.Namespace) -> tuple[Engine, Path]:
    if args.data:
        return make_engine(args.db), Path(args.data)
    from omnicrm.ingest.bulk import import_directory
    from omnicrm.synth import generate

    work = Path(tempfile.mkdtemp(prefix="bench_identity_"))
    t = time.perf_counter()
    generate(work / "data", customers=args.customers, seed=args.seed)
    engine = make_engine(args.db or f"sqlite:///{work / 'omnicrm.db'}")
    upgrade(engine)
    import_directory(engine, work / "data")
    print(f"generated + imported {args.customers} customers in {time.perf_counter() - t:.1f}s")
    return engine, work / "data"


def _backfill_member_identifiers(engine: Engine, data: Path) -> int:
    """Stopgap until ingest records what each member registered in ``record_identifiers``
    (record_type 'member'): today it keeps only the first owner of a value in ``identifiers``, so a
    family phone's second member loses it. Reads the registry export with ingest's normalisers."""
    from omnicrm.identity.normalize import normalize

    with engine.begin() as conn:
        if conn.execute(
            text("SELECT 1 FROM record_identifiers WHERE record_type = 'member' LIMIT 1")
        ).first():
            return 0
        ids = dict(
            conn.execute(
                text("SELECT source_key, id FROM customers WHERE source = 'members'")
            ).all()
        )
        rows = []
        with open(data / "loyalty_members.csv", newline="", encoding="utf-8") as f:
            for rec in csv.DictReader(f):
                for kind, column in (("card", "card_no"), ("phone", "phone"), ("email", "email")):
                    try:
                        value = normalize(kind, rec[column]) if rec[column] else None
                    except ValueError:
                        value = None
                    customer = ids.get(rec["card_no"])
                    if value and customer:
                        rows.append({"t": "member", "i": customer, "k": kind, "v": value})
        if rows:
            conn.execute(
                text(
                    """INSERT INTO record_identifiers (record_type, record_id, kind, value)
                       VALUES (:t, :i, :k, :v)"""
                ),
                rows,
            )
    return len(rows)


def _assignments(engine: Engine) -> pa.Table:
    """Every record with its profile (resolved through aliases) and whether it is in scope."""
    with engine.connect() as conn:
        live = """(SELECT c.id, coalesce(c.merged_into_id, c.id) AS live FROM customers c)"""
        rows = read_table(
            conn,
            f"""SELECT o.source, o.source_key, 'order:' || o.id, l.live FROM orders o
                LEFT JOIN {live} l ON l.id = o.customer_id
                UNION ALL SELECT e.source, e.source_key, 'event:' || e.id, l.live FROM events e
                LEFT JOIN {live} l ON l.id = e.customer_id
                UNION ALL SELECT c.source, c.source_key, 'customer:' || c.id, l.live
                FROM customers c JOIN {live} l ON l.id = c.id WHERE c.source <> 'identity'""",
            RECORDS,
        )
        idents = conn.execute(
            text("SELECT record_type || ':' || record_id, kind, value FROM record_identifiers")
        ).all()
    usable = [
        (node, kind, value) for node, kind, value in idents
        if (links_alone(kind) or links_corroborated(kind)) and not is_blocked(kind, value)
    ]  # fmt: skip
    nodes = {n for n, _, _ in usable}
    rows = rows.append_column(
        "in_scope", pa.array([n in nodes for n in rows.column("node").to_pylist()])
    )
    return rows, pa.table(
        {
            "node": [u[0] for u in usable],
            "kind": [u[1] for u in usable],
            "value": [u[2] for u in usable],
        }
    )


def score(engine: Engine, truth: Path) -> dict:
    """Pairwise precision / recall / F1 and over-merged profiles against ground truth."""
    db = duckdb.connect()
    rows, idents = _assignments(engine)
    db.register("a", rows)
    db.register("ri", idents)
    db.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{truth}', all_varchar=true)")
    db.execute(
        """CREATE TABLE base AS
           SELECT a.node, a.source, coalesce(a.profile::VARCHAR, a.node) AS pred,
                  t.person_id AS person
           FROM a JOIN t USING (source, source_key) WHERE a.in_scope"""
    )
    # Attributable: the record carries an identifier that creates a profile (card, phone, e-mail,
    # marketplace buyer), or is an order, or shares a device / cookie / MAC with such a record.
    # Browsing on a cookie never seen with a purchase or a contact stays anonymous by design.
    strong = ",".join(f"'{k}'" for k, p in POLICIES.items() if p.creates is Creates.ALWAYS)
    db.execute(
        f"""CREATE TABLE anchor AS SELECT DISTINCT node FROM base
            WHERE node LIKE 'order:%' OR node IN (SELECT node FROM ri WHERE kind IN ({strong}))"""
    )
    db.execute(
        """CREATE TABLE s AS SELECT * FROM base WHERE node IN (SELECT node FROM anchor)
           OR node IN (SELECT r1.node FROM ri r1 JOIN ri r2 USING (kind, value)
                       WHERE r2.node IN (SELECT node FROM anchor))"""
    )

    def pairs(cols: str) -> str:
        """Pairs of records that share ``cols`` (n records in a group make n(n-1)/2 pairs)."""
        return (
            "SELECT coalesce(sum(n * (n - 1) / 2), 0) "
            f"FROM (SELECT count(*) n FROM s GROUP BY {cols})"
        )

    tp = db.execute(pairs("pred, person")).fetchone()[0]
    pred = db.execute(pairs("pred")).fetchone()[0]
    true = db.execute(pairs("person")).fetchone()[0]
    over = db.execute(
        "SELECT count(*) FROM (SELECT pred FROM s GROUP BY pred HAVING count(DISTINCT person) > 1)"
    ).fetchone()[0]
    records = db.execute("SELECT count(*) FROM s").fetchone()[0]
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records_in_scope": records,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "over_merged_profiles": over,
        "true_pairs": int(true),
        "predicted_pairs": int(pred),
    }


def _incremental_latency(engine: Engine, n: int) -> tuple[float, float]:
    """p50 / p99 of resolving one existing order again (the streaming path, one transaction
    each)."""
    from omnicrm.identity.incremental import resolve_record

    with engine.connect() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                text(
                    f"""SELECT record_id FROM record_identifiers WHERE record_type = 'order'
                        GROUP BY record_id ORDER BY record_id LIMIT {n}"""
                )
            )
        ]
    times = []
    for record_id in ids:
        t = time.perf_counter()
        with unit_of_work(engine) as session:
            resolve_record(session, "order", record_id)
        times.append((time.perf_counter() - t) * 1000)
    if not times:
        return 0.0, 0.0
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--data", help="directory generated by omnicrm synth (with ground_truth.csv)"
    )
    parser.add_argument("--db", help="database URL holding DIR already imported")
    parser.add_argument("--incremental", type=int, default=300, help="records timed one by one")
    parser.add_argument("--no-probabilistic", action="store_true")
    args = parser.parse_args(argv)
    engine, data = _prepare(args)
    truth = data / "ground_truth.csv"
    print(f"member identifiers backfilled: {_backfill_member_identifiers(engine, data)}")
    print(__doc__.split("\n\n")[2].replace("\n", " "))

    t = time.perf_counter()
    det = resolve_all(engine, probabilistic=False)
    det_s = time.perf_counter() - t
    det_score = score(engine, truth)
    print(f"deterministic: {det_s:.1f}s {det.seconds} -> {det_score}")
    if not args.no_probabilistic:
        from omnicrm.identity.probabilistic import match_profiles

        t = time.perf_counter()
        outcome = match_profiles(engine)
        prob_s = time.perf_counter() - t
        prob_score = score(engine, truth)
        added = prob_score["predicted_pairs"] - det_score["predicted_pairs"]
        gained = round(
            prob_score["recall"] * prob_score["true_pairs"]
            - det_score["recall"] * det_score["true_pairs"]
        )
        stage_precision = round(gained / added, 4) if added else 1.0
        print(
            f"probabilistic: {prob_s:.1f}s merged={outcome.merged} queued={outcome.queued} -> "
            f"{prob_score}; pairs added={added}, of them correct={gained} "
            f"(stage precision {stage_precision})"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p50, p99 = _incremental_latency(engine, args.incremental)
    print(f"peak RSS {peak:.0f} MB; incremental resolve_record p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
