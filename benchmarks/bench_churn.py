"""Churn benchmark: feature build, training on the time split, scoring with reasons and actions.

    python benchmarks/bench_churn.py --customers 1000000   # the issue's scale
    python benchmarks/bench_churn.py --customers 3000      # a smoke run

The analytics snapshot is built straight from the synthetic generator's persons and orders (every
channel's orders with their lines, the products, one profile per person), not through the import
and identity resolution (a 1M import alone takes a quarter of an hour, see the README): the figures
are the churn pipeline's. Events, returns and the operational store's facts (points, surveys) are
not in it, so those features are empty here; the tests cover them on imported data.

Each phase's peak memory is its own process's max RSS (native code included, unlike tracemalloc):
the snapshot build runs in the parent, the churn in a child. Prints the holdout ROC-AUC, PR-AUC and
top-decile precision of the model and of the recency baseline, and how well the scores at the data
end find the persons the generator really dropped out (ground truth).
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
from sklearn.metrics import roc_auc_score

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.predict import churn
from omnicrm.predict.features import build_features
from omnicrm.synth.chunk import make_persons
from omnicrm.synth.config import SynthConfig
from omnicrm.synth.population import CHANNELS
from omnicrm.synth.world import build_world

CHANNEL = [c if c != "callcentre" else "call_centre" for c in CHANNELS]
MEMORY_LIMIT = "4GB"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_snapshot(path: Path, customers: int, seed: int) -> dict:
    """The snapshot's orders, order_lines, products, customers and people from the generator,
    and per customer whether the generator dropped them out (table ``bench_truth``)."""
    t = time.perf_counter()
    world = build_world(SynthConfig(customers=customers, seed=seed))
    snap = Snapshot(path, MEMORY_LIMIT)
    db = snap.cursor()
    cat = world.cat
    db.register(
        "src_products",
        pa.table(
            {
                "id": np.arange(1, len(cat.sku) + 1),
                "sku": cat.sku,
                "name": cat.name,
                "category": cat.category_path,
            }
        ),
    )
    db.execute("INSERT INTO products SELECT id, sku, name, id, category, NULL FROM src_products")
    db.execute("CREATE TABLE bench_truth (customer BIGINT, dropped BOOLEAN)")
    next_order, orders_total = 1, 0
    for index in range(world.cfg.n_chunks):
        ch = make_persons(world, index)
        o, people = ch.orders, ch.people
        n = len(o)
        ids = np.arange(next_order, next_order + n, dtype=np.int64)
        next_order += n
        customer = people.gidx[o.person] + 1
        db.register(
            "src_orders",
            pa.table(
                {
                    "id": ids,
                    "customer_id": customer,
                    "channel": pa.array(CHANNEL).take(pa.array(o.channel)),
                    "placed_at": o.ts,
                    "total_minor": o.totals(),
                    "lines": o.n_lines,
                }
            ),
        )
        db.register(
            "src_lines",
            pa.table(
                {
                    "order_id": ids[o.line_order()],
                    "line_no": o.line_no(),
                    "product_id": o.sku + 1,
                    "qty": o.qty,
                    "amount_minor": o.amount(),
                    "discount_minor": o.discount,
                }
            ),
        )
        bought = np.zeros(len(people), bool)
        bought[o.person] = True
        db.register(
            "src_people",
            pa.table({"customer": people.gidx + 1, "dropped": o.dropped & bought}),
        )
        db.execute(
            """INSERT INTO orders SELECT id, customer_id, channel, NULL, to_timestamp(placed_at),
                      'completed', total_minor, 0, NULL, NULL, NULL, NULL, lines, lines, 0,
                      false, true FROM src_orders"""
        )
        db.execute("INSERT INTO order_lines SELECT * FROM src_lines")
        db.execute(
            """INSERT INTO customers (id, resolved_id) SELECT customer, customer FROM src_people"""
        )
        db.execute("INSERT INTO people (id) SELECT customer FROM src_people")
        db.execute("INSERT INTO bench_truth SELECT * FROM src_people")
        for name in ("src_orders", "src_lines", "src_people"):
            db.unregister(name)
        orders_total += n
    (lines,) = db.execute("SELECT count(*) FROM order_lines").fetchone()  # type: ignore[misc]
    snap.close()
    return {
        "seconds": round(time.perf_counter() - t, 1),
        "orders": orders_total,
        "lines": lines,
        "peak_mib": round(peak_mib()),
    }


def phase_churn(path: Path) -> dict:
    snap = Snapshot(path, MEMORY_LIMIT)
    end = snap.data_end()
    assert end is not None
    db = snap.cursor()
    t = time.perf_counter()
    features = build_features(db, end)
    features_s = time.perf_counter() - t
    t = time.perf_counter()
    model = churn.train(db, end)
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    scored = churn.score(model, db, end)
    score_s = time.perf_counter() - t
    dropped = dict(db.execute("SELECT customer, dropped FROM bench_truth").fetchall())
    truth = np.array([dropped[c] for c in scored.column("customer_id").to_pylist()])
    m = model.metrics
    return {
        "active_customers": features.num_rows,
        "features": len(model.features),
        "features_s": round(features_s, 2),
        "train_s": round(train_s, 2),
        "score_s": round(score_s, 2),
        "rounds": model.rounds,
        "trained_customers": model.trained_customers,
        "holdout": {
            "customers": m.customers,
            "churn_rate": round(m.churn_rate, 3),
            "model": {k: round(v, 4) for k, v in vars(m.model).items()},
            "baseline": {k: round(v, 4) for k, v in vars(m.baseline).items()},
            "brier": round(m.brier, 4),
        },
        "scored": scored.num_rows,
        "truth_auc": round(float(roc_auc_score(truth, scored.column("churn_risk"))), 4),
        "dropped_share": round(float(truth.mean()), 3),
        "peak_mib": round(peak_mib()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--phase", choices=["churn"], help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_churn(args.snapshot)))
        return
    with tempfile.TemporaryDirectory(prefix="bench_churn_") as tmp:
        path = Path(tmp) / "analytics.duckdb"
        built = build_snapshot(path, args.customers, args.seed)
        child = subprocess.run(
            [sys.executable, __file__, "--phase", "churn", "--snapshot", str(path)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_WAIT_POLICY": "passive", "OPENBLAS_NUM_THREADS": "1"},
        )
        r = json.loads(child.stdout.strip().splitlines()[-1])
    h = r["holdout"]
    print(
        f"customers        {args.customers:,} "
        f"({built['orders']:,} orders, {built['lines']:,} lines)"
    )
    print(
        f"snapshot build   {built['seconds']}s, peak {built['peak_mib']} MiB (from the generator)"
    )
    print(f"active customers {r['active_customers']:,} at the data end, {r['features']} features")
    print(f"feature build    {r['features_s']}s (one cut-off)")
    print(
        f"training         {r['train_s']}s (features at two cut-offs, labels, two fits, "
        f"{r['rounds']} rounds; final model on {r['trained_customers']:,} customers)"
    )
    print(
        f"scoring          {r['score_s']}s for {r['scored']:,} customers (features, risk, SHAP "
        "reasons ru/en, actions)"
    )
    print(f"peak RSS churn   {r['peak_mib']} MiB")
    print(f"holdout          {h['customers']:,} customers, churn rate {h['churn_rate']}")
    print(f"  model          {h['model']}, brier {h['brier']}")
    print(f"  recency        {h['baseline']}")
    print(
        f"ground truth     ROC-AUC {r['truth_auc']} of the scores at the data end against who "
        f"really dropped out ({r['dropped_share']:.1%} of the scored)"
    )
    print("load average     {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
