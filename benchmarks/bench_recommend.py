"""Recommendations and clusters at scale.

    python benchmarks/bench_recommend.py --customers 1000000   # the issue's scale
    python benchmarks/bench_recommend.py --customers 2000      # a smoke run

Builds a planted-taste snapshot (``recs_world``: 1,000 SKUs in 20 categories, four behaviour
groups) of ``--customers`` people, then, each in a process of its own so that its peak memory
(max RSS) is its own: (1) ``fit_recommender`` (popularity, co-occurrence and ALS on the 60-day
holdout, at most 50,000 customers evaluated, the winner refitted) and top-10 recommendations for
every customer; (2) ``fit_clusters`` (k 3..10 by silhouette on samples, everyone assigned).

    python benchmarks/bench_recommend.py --synth-customers 20000

also generates a chain with ``omnicrm.synth`` (its own, weaker, category taste), imports and
resolves it into a scratch SQLite store, refreshes the snapshot and prints the holdout MAP@10 of
every model there (the generation and import are not timed).
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

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import recs_world
from omnicrm.analytics.snapshot import Snapshot


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_recommend(path: Path, customers: int) -> dict:
    from omnicrm.predict.recommend import fit_recommender, recommend

    db = Snapshot(path).cursor()
    t = time.perf_counter()
    model, metrics = fit_recommender(db, recs_world.AS_OF)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    table = recommend(model, model.interactions.customers, n=10)
    return {
        "fit_and_holdout_s": round(fit_s, 2),
        "recommend_s": round(time.perf_counter() - t, 2),
        "recommended_customers": table.num_rows,
        "chosen": metrics["chosen"],
        "map_at_10": {k: round(v["map_at_10"], 4) for k, v in metrics["models"].items()},
        "peak_mib": round(peak_mib()),
    }


def phase_clusters(path: Path, customers: int) -> dict:
    from omnicrm.predict.clusters import fit_clusters

    db = Snapshot(path).cursor()
    t = time.perf_counter()
    model, table = fit_clusters(db, recs_world.AS_OF)
    return {
        "clusters_s": round(time.perf_counter() - t, 2),
        "clustered_customers": table.num_rows,
        "k": model.k,
        "names": [d.name_en for d in model.descriptions],
        "peak_mib": round(peak_mib()),
    }


def phase_build(path: Path, customers: int) -> dict:
    snap = Snapshot(path)
    t = time.perf_counter()
    recs_world.build(snap.cursor(), customers, recs_world.AS_OF, groups=4)
    (lines,) = snap.cursor().execute("SELECT count(*) FROM order_lines").fetchone()  # type: ignore[misc]
    snap.close()
    return {"build_s": round(time.perf_counter() - t, 1), "lines": lines}


def phase_synth(path: Path, customers: int) -> dict:
    from omnicrm.identity.resolve import resolve_all
    from omnicrm.ingest.bulk import import_directory
    from omnicrm.predict.recommend import fit_recommender
    from omnicrm.store.db import make_engine
    from omnicrm.store.migrate import upgrade
    from omnicrm.synth import generate

    generate(path / "data", customers, seed=42)
    engine = make_engine(f"sqlite:///{path / 'omnicrm.db'}")
    upgrade(engine)
    import_directory(engine, path / "data")
    resolve_all(engine)
    snap = Snapshot(path / "synth.duckdb")
    snap.refresh(engine)
    end = snap.data_end()
    assert end is not None
    t = time.perf_counter()
    _, metrics = fit_recommender(snap.cursor(), end)
    return {
        "fit_and_holdout_s": round(time.perf_counter() - t, 2),
        "chosen": metrics["chosen"],
        "models": metrics["models"],
    }


PHASES = {
    "synth": phase_synth,
    "build": phase_build,
    "recommend": phase_recommend,
    "clusters": phase_clusters,
}


def run_child(phase: str, path: Path, customers: int) -> dict:
    """One phase in a fresh process: Linux keeps max RSS across fork + exec, so the parent stays
    small and the world is built in a child of its own too."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            phase,
            "--path",
            str(path),
            "--customers",
            str(customers),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--synth-customers", type=int, default=0)
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.path, args.customers)))
        return
    with tempfile.TemporaryDirectory(prefix="bench_recommend_") as tmp:
        path = Path(tmp) / "world.duckdb"
        built = run_child("build", path, args.customers)
        print(f"built {args.customers} customers, {built['lines']} order lines in "
              f"{built['build_s']}s")  # fmt: skip
        recs = run_child("recommend", path, args.customers)
        print(
            f"recommendations: fit + holdout {recs['fit_and_holdout_s']}s, top-10 for "
            f"{recs['recommended_customers']} customers {recs['recommend_s']}s, "
            f"peak {recs['peak_mib']} MiB; chosen {recs['chosen']}, MAP@10 {recs['map_at_10']}"
        )
        clusters = run_child("clusters", path, args.customers)
        print(
            f"clusters: {clusters['clusters_s']}s for {clusters['clustered_customers']} "
            f"customers, k = {clusters['k']}, peak {clusters['peak_mib']} MiB; "
            f"{clusters['names']}"
        )
        if args.synth_customers:
            synth = run_child("synth", Path(tmp), args.synth_customers)
            print(
                f"synth chain, {args.synth_customers} customers: chosen {synth['chosen']} in "
                f"{synth['fit_and_holdout_s']}s; "
                + "; ".join(
                    f"{name} MAP@10 {m['map_at_10']:.4f} P@10 {m['precision_at_10']:.4f} "
                    f"R@10 {m['recall_at_10']:.4f} ({m['users']} customers)"
                    for name, m in synth["models"].items()
                )
            )
        with open("/proc/loadavg") as f:
            print(f"load average: {f.read().strip()}")


if __name__ == "__main__":
    main()
