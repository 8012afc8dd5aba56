"""Hard identity benchmark: people who share no phone, e-mail or card, found through the CLI.

    python benchmarks/bench_identity_hard.py --people 5000            # generate, load, resolve
    python benchmarks/bench_identity_hard.py --people 5000 --db URL   # on PostgreSQL

A Latin-alphabet registry of ``--people`` persons is generated (``omnicrm synth --hard-identity``:
typos, swapped names, diminutives, birth dates off by a digit / missing / not a date, moves,
families at one address), loaded with ``omnicrm import`` and resolved with ``omnicrm identity
resolve --probabilistic``; pairwise precision, recall and F1 of the cards' profiles against the
ground truth are printed with the time taken. Beside it, the reference: a plainly configured
Splink 5 on the same records (Jaro-Winkler on first name, surname, street and suburb; exact
house number, postcode and state; Levenshtein on the birth date; four single-column blocks;
EM), clustered at a few thresholds.
"""

import argparse
import csv
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from omnicrm.synth.hard import pairwise, read_truth

PLAIN_THRESHOLDS = (0.5, 0.9, 0.99)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _cli(*args: str) -> float:
    """Run ``omnicrm ARGS``; its wall time."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "omnicrm", *args], check=True, capture_output=True)
    return time.perf_counter() - t


def omnicrm_quality(data: Path, db: str) -> dict:
    """Load the registry and resolve it through the CLI; quality and seconds per step."""
    load_s = _cli("import", str(data / "loyalty_members.csv"), "--db", db)
    resolve_s = _cli("identity", "resolve", "--probabilistic", "--db", db)
    with create_engine(db).connect() as conn:
        profile = dict(
            conn.execute(
                text("SELECT value, customer_id FROM identifiers WHERE kind = 'card'")
            ).all()
        )
    quality = pairwise(read_truth(data / "ground_truth.csv"), profile)
    return {**quality, "import_s": round(load_s, 1), "resolve_s": round(resolve_s, 1)}


def _plain_rows(data: Path) -> list[dict]:
    with (data / "loyalty_members.csv").open(encoding="utf-8") as f:
        return [
            {
                "unique_id": r["card_no"],
                "first_name": r["first_name"].lower() or None,
                "surname": r["last_name"].lower() or None,
                "dob": r["birth_date"] or None,
                "street": (r["street"] or "").lower() or None,
                "number": r["house"] or None,
                "suburb": (r["city"] or "").lower() or None,
                "postcode": r["postcode"] or None,
                "state": r["region"] or None,
            }
            for r in csv.DictReader(f)
        ]


def plain_splink(data: Path) -> dict:
    """The reference configuration, as a Splink user would write it for this file."""
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    t = time.perf_counter()
    rows = _plain_rows(data)
    columns = ("unique_id", "first_name", "surname", "dob", "street", "number", "suburb",
               "postcode", "state")  # fmt: skip
    table = pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in columns})
    db_api = DuckDBAPI(connection=duckdb.connect())
    registered = db_api.register(table, table_name="registry")
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on(c) for c in ("first_name", "surname", "dob", "postcode")
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name"),
            cl.JaroWinklerAtThresholds("surname"),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.JaroWinklerAtThresholds("street"),
            cl.ExactMatch("number"),
            cl.JaroWinklerAtThresholds("suburb"),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("state"),
        ],
    )
    linker = Linker(registered, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
    for rule in (
        block_on("dob"),
        block_on("surname"),
    ):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except ValueError as exc:  # EM drove an m to 0: keep what the other session learnt
            print(
                f"plain Splink: EM on {rule.get_blocking_rule('duckdb').blocking_rule_sql} "
                f"failed ({str(exc)[:60]}...)"
            )
    predictions = linker.inference.predict(threshold_match_probability=min(PLAIN_THRESHOLDS))
    truth = read_truth(data / "ground_truth.csv")
    out = {}
    for threshold in PLAIN_THRESHOLDS:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold
        ).as_duckdbpyrelation()
        assigned = dict(clusters.select("unique_id, cluster_id").fetchall())
        out[threshold] = pairwise(truth, assigned)
    best = max(out, key=lambda k: out[k]["f1"])
    return {
        "by_threshold": out,
        "best_threshold": best,
        "seconds": round(time.perf_counter() - t, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=5000, help="scale: persons generated")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", help="an empty database URL (default: a new SQLite file)")
    parser.add_argument("--no-reference", action="store_true", help="skip plain Splink")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_identity_hard_"))
    data = work / "data"
    gen_s = _cli("synth", str(data), "--customers", str(args.people), "--seed", str(args.seed),
                 "--hard-identity")  # fmt: skip
    records = sum(1 for _ in (data / "ground_truth.csv").open()) - 1
    print(f"registry: {args.people:,} people, {records:,} records (generated in {gen_s:.1f}s)")
    db = args.db or f"sqlite:///{work / 'omnicrm.db'}"
    ours = omnicrm_quality(data, db)
    print(f"omnicrm (import + identity resolve --probabilistic): {ours}; {_load()}")
    if not args.no_reference:
        plain = plain_splink(data)
        best = plain["by_threshold"][plain["best_threshold"]]
        print(f"plain Splink 5: {plain}; {_load()}")
        print(
            f"F1 omnicrm {ours['f1']} vs plain Splink {best['f1']} (its best threshold "
            f"{plain['best_threshold']}); precision {ours['precision']} vs {best['precision']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
