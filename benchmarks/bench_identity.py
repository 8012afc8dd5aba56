"""Identity resolution benchmark: quality against ground truth, and speed, at a given scale.

    python benchmarks/bench_identity.py --customers 2000              # generate + import + run
    python benchmarks/bench_identity.py --data DIR --db URL           # reuse imported data
    python benchmarks/bench_identity.py --data DIR --db URL --explain  # and break the errors down

Scope of the quality figures: every record the ground truth assigns to a person (orders, events and
loyalty members) that is attributable: it carries a usable identifier (not a masked phone, not a
blocked placeholder) and either that identifier creates profiles (card, phone, e-mail, marketplace
buyer), or the record is an order, or it shares a device / cookie / MAC with such a record.
Anonymous receipts, sensor sightings and browsing never tied to a purchase or contact are out of
scope: by policy they stay anonymous. Pairwise precision / recall / F1 count pairs of in-scope
records put in one profile; a record left without a profile is a profile of its own. An
over-merged profile holds in-scope records of more than one true person.

Each run starts from the imported state's decisions: earlier probabilistic rules and review items
are removed first, so the deterministic figures are the deterministic stage's alone, and the
probabilistic stage is scored on top of them (its own precision: of the record pairs it added, the
share that are one person; its recall: of the true pairs the deterministic stage left apart,
the share it joined).
"""

import argparse
import os
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
IDENTS = pa.schema([("node", pa.string()), ("kind", pa.string()), ("value", pa.string())])


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prepare(args: argparse.Namespace) -> tuple[Engine, Path]:
    if args.data:
        engine = make_engine(args.db)
        upgrade(engine)
        return engine, Path(args.data)
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


def _reset_decisions(engine: Engine) -> None:
    """Forget what an earlier probabilistic run decided (its always-link rules and review items)
    and the circuit breaker's batches, so that a reused store is scored as if freshly imported."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM identity_review_queue"))
        conn.execute(text("DELETE FROM identity_batches"))
        conn.execute(
            text("UPDATE identity_controls SET breaker_open_since = NULL, breaker_reason = NULL")
        )
        conn.execute(
            text(
                "DELETE FROM identity_rules WHERE kind = 'always_link' "
                "AND reason LIKE 'probabilistic%'"
            )
        )


def _scale(engine: Engine) -> dict:
    with engine.connect() as conn:
        return {
            name: conn.execute(text(sql)).scalar_one()
            for name, sql in (
                ("members", "SELECT count(*) FROM customers WHERE source = 'members'"),
                ("orders", "SELECT count(*) FROM orders"),
                ("events", "SELECT count(*) FROM events"),
                ("record_identifiers", "SELECT count(*) FROM record_identifiers"),
            )
        }


def _assignments(engine: Engine) -> tuple[pa.Table, pa.Table]:
    """Every record with its live profile, and every usable identifier each record carried."""
    with engine.connect() as conn:
        live = "(SELECT c.id, coalesce(c.merged_into_id, c.id) AS live FROM customers c)"
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
        idents = read_table(
            conn,
            """SELECT CASE WHEN record_type = 'member' THEN 'customer' ELSE record_type END
                      || ':' || record_id, kind, value FROM record_identifiers
               WHERE record_type IN ('order', 'event', 'member', 'customer')""",
            IDENTS,
        )
    kinds = [k for k in POLICIES if links_alone(k) or links_corroborated(k)]
    db = duckdb.connect()
    db.register("i", idents)
    idents = db.execute(
        "SELECT DISTINCT node, kind, value FROM i WHERE kind IN (SELECT unnest(?))", [kinds]
    ).to_arrow_table()
    keep = [
        not is_blocked(k, v)
        for k, v in zip(*idents.select(["kind", "value"]).to_pydict().values(), strict=True)
    ]
    return rows, idents.filter(pa.array(keep))


class Scorer:
    """The ground truth joined once; each stage's assignments scored against it."""

    def __init__(self, truth: Path) -> None:
        self.db = duckdb.connect()
        self.db.execute(
            f"CREATE TABLE t AS SELECT * FROM read_csv('{truth}', all_varchar=true, header=true)"
        )

    def snapshot(self, engine: Engine) -> None:
        rows, idents = _assignments(engine)
        db = self.db
        db.register("a", rows)
        db.register("ri", idents)
        db.execute(
            """CREATE OR REPLACE TABLE base AS
               SELECT a.node, a.source, coalesce(a.profile::VARCHAR, a.node) AS pred,
                      t.person_id AS person
               FROM a JOIN t USING (source, source_key)
               WHERE a.node IN (SELECT node FROM ri)"""
        )
        strong = [k for k, p in POLICIES.items() if p.creates is Creates.ALWAYS]
        db.execute(
            """CREATE OR REPLACE TABLE anchor AS SELECT DISTINCT node FROM base
               WHERE node LIKE 'order:%'
                  OR node IN (SELECT node FROM ri WHERE kind IN (SELECT unnest(?)))""",
            [strong],
        )
        db.execute(
            """CREATE OR REPLACE TABLE s AS SELECT * FROM base
               WHERE node IN (SELECT node FROM anchor)
                  OR node IN (SELECT r1.node FROM ri r1 JOIN ri r2 USING (kind, value)
                              JOIN anchor ON anchor.node = r2.node)"""
        )

    def score(self) -> dict:
        db = self.db

        def pairs(cols: str) -> int:
            return int(
                db.execute(
                    "SELECT coalesce(sum(n * (n - 1) / 2), 0) "
                    f"FROM (SELECT count(*) n FROM s GROUP BY {cols})"
                ).fetchone()[0]  # type: ignore[index]
            )

        tp, pred, true = pairs("pred, person"), pairs("pred"), pairs("person")
        over = db.execute(
            "SELECT count(*) FROM (SELECT pred FROM s GROUP BY pred "
            "HAVING count(DISTINCT person) > 1)"
        ).fetchone()[0]  # type: ignore[index]
        profiles = db.execute("SELECT count(DISTINCT pred) FROM s").fetchone()[0]  # type: ignore[index]
        precision = tp / pred if pred else 1.0
        recall = tp / true if true else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "records_in_scope": db.execute("SELECT count(*) FROM s").fetchone()[0],  # type: ignore[index]
            "profiles": profiles,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "over_merged_profiles": over,
            "true_pairs": true,
            "predicted_pairs": pred,
            "correct_pairs": tp,
        }

    def sensor_links(self, engine: Engine) -> dict:
        """Sightings (Wi-Fi, camera) linked to a profile, and the share linked to the right
        person: the profile's person is the one most of its other records belong to. The
        channel files key a sighting by local time and the store by UTC, so both are keyed
        by (store, token, instant) here."""
        with engine.connect() as conn:
            linked = read_table(
                conn,
                """SELECT e.source, e.source_key, 'event:' || e.id,
                          coalesce(c.merged_into_id, c.id) FROM events e
                   LEFT JOIN customers c ON c.id = e.customer_id
                   WHERE e.source IN ('wifi', 'camera')""",
                RECORDS,
            )
        db = self.db
        db.register("sighting", linked)
        instant = (
            "regexp_replace({k}, '/[^/]*$', '') || '/' "
            "|| epoch(split_part({k}, '/', -1)::TIMESTAMPTZ)::BIGINT"
        )
        rows = db.execute(
            f"""WITH owner AS (SELECT pred, mode(person) AS person FROM base
                               WHERE source NOT IN ('wifi', 'camera') GROUP BY pred),
                     truth AS (SELECT source, {instant.format(k="source_key")} AS k, person_id
                               FROM t WHERE source IN ('wifi', 'camera'))
                SELECT s.source, count(*), count(s.profile),
                       count(*) FILTER (WHERE truth.person_id IS NOT NULL),
                       count(s.profile) FILTER (WHERE owner.person = truth.person_id)
                FROM sighting s
                LEFT JOIN truth ON truth.source = s.source
                               AND truth.k = {instant.format(k="s.source_key")}
                LEFT JOIN owner ON owner.pred = s.profile::VARCHAR
                GROUP BY s.source ORDER BY s.source"""
        ).fetchall()
        return {
            source: {
                "sightings": n,
                "of_a_known_person": known,
                "linked": linked_n,
                "precision": round(right / linked_n, 4) if linked_n else None,
            }
            for source, n, linked_n, known, right in rows
        }

    def explain(self, top: int = 12) -> None:
        """Where the wrong and the missing pairs are: by the sources of the records involved."""
        db = self.db
        db.execute(
            """CREATE OR REPLACE TABLE frag AS
               SELECT person, pred, count(*) AS n,
                      list(DISTINCT source ORDER BY source) AS sources,
                      pred LIKE '%:%' AS unattached FROM s GROUP BY person, pred"""
        )
        print("  over-merged: sources of the minority records (records, profiles)")
        for row in db.execute(
            """WITH main AS (SELECT pred, arg_max(person, n) AS person FROM frag
                             GROUP BY pred HAVING count(*) > 1)
               SELECT f.sources, sum(f.n), count(DISTINCT f.pred) FROM frag f JOIN main m
               USING (pred) WHERE f.person <> m.person GROUP BY ALL ORDER BY 2 DESC LIMIT ?""",
            [top],
        ).fetchall():
            print("   ", row)
        print("  missed pairs: fragments of a person outside its largest profile")
        print("    (sources, unattached, fragments, pairs lost)")
        for row in db.execute(
            """WITH x AS (SELECT *, n * (sum(n) OVER (PARTITION BY person) - n) AS lost,
                                 row_number() OVER (PARTITION BY person ORDER BY n DESC, pred)
                                   AS rank FROM frag)
               SELECT sources, unattached, count(*), sum(lost) / 2 FROM x
               WHERE rank > 1 GROUP BY ALL ORDER BY 4 DESC LIMIT ?""",
            [top],
        ).fetchall():
            print("   ", row)


def stage_quality(before: dict, after: dict) -> dict:
    """The probabilistic stage's own figures: of the record pairs it added, the share that are
    one person (precision); of the true pairs the deterministic stage left apart, the share it
    joined (recall); their F1."""
    added = after["predicted_pairs"] - before["predicted_pairs"]
    gained = after["correct_pairs"] - before["correct_pairs"]
    left = after["true_pairs"] - before["correct_pairs"]
    precision = gained / added if added else 1.0
    recall = gained / left if left else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs_added": added,
        "correct": gained,
        "left_by_deterministic": left,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def _incremental_latency(engine: Engine, n: int) -> tuple[float, float]:
    """p50 / p99 of resolving one order again (the streaming path, one transaction each), over
    orders spread across the whole store."""
    from omnicrm.identity.incremental import resolve_record

    with engine.connect() as conn:
        top = conn.execute(text("SELECT max(id) FROM orders")).scalar_one() or 0
        step = max(1, top // max(n, 1))
        ids = [
            r[0]
            for r in conn.execute(
                text(
                    f"""SELECT DISTINCT record_id FROM record_identifiers
                        WHERE record_type = 'order' AND record_id % {step} = 0
                        ORDER BY record_id LIMIT {n}"""
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
    parser.add_argument("--no-score", action="store_true", help="speed only (no ground truth)")
    parser.add_argument("--explain", action="store_true", help="break the errors down")
    args = parser.parse_args(argv)
    engine, data = _prepare(args)
    _reset_decisions(engine)
    scale = _scale(engine)
    print(f"scale: {scale} ({engine.dialect.name}); {_load()}")
    print("scope:", " ".join(__doc__.split("\n\n")[2].split()))
    scorer = None if args.no_score else Scorer(data / "ground_truth.csv")

    t = time.perf_counter()
    det = resolve_all(engine, probabilistic=False)
    det_s = time.perf_counter() - t
    print(
        f"bulk deterministic: {det_s:.1f}s {det.seconds}; records {det.records:,}, "
        f"quarantined {det.quarantined:,}; peak RSS {_peak_mb():.0f} MB; {_load()}"
    )
    det_score = None
    if scorer:
        scorer.snapshot(engine)
        det_score = scorer.score()
        print(f"  deterministic quality: {det_score}")
        print(f"  sensor sightings linked: {scorer.sensor_links(engine)}")
        if args.explain:
            scorer.explain()
    if not args.no_probabilistic:
        from omnicrm.identity.probabilistic import match_profiles

        t = time.perf_counter()
        outcome = match_profiles(engine)
        prob_s = time.perf_counter() - t
        print(
            f"bulk probabilistic: {prob_s:.1f}s {outcome.seconds}; compared {outcome.compared:,}, "
            f"merged {outcome.merged:,}, queued for review {outcome.queued:,} "
            f"({outcome.held_by_guard:,} of them held by the guard); "
            f"peak RSS {_peak_mb():.0f} MB; {_load()}"
        )
        if scorer and det_score:
            scorer.snapshot(engine)
            prob_score = scorer.score()
            alone = stage_quality(det_score, prob_score)
            print(f"  deterministic + probabilistic quality: {prob_score}")
            print(
                f"  probabilistic stage alone: {alone}, over-merged profiles added "
                f"{prob_score['over_merged_profiles'] - det_score['over_merged_profiles']}"
            )
            if args.explain:
                scorer.explain()
    p50, p99 = _incremental_latency(engine, args.incremental)
    print(
        f"incremental resolve_record ({args.incremental} orders, store of "
        f"{scale['record_identifiers']:,} record identifiers): p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms; {_load()}"
    )
    print(f"peak RSS {_peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
