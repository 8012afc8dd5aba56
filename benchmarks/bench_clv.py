"""CLV at scale: BG/NBD + Gamma-Gamma fit and scoring of every customer.

    python benchmarks/bench_clv.py --customers 1000000   # the issue's scale (target: under 5 s)
    python benchmarks/bench_clv.py --customers 2000      # a smoke run

Draws ``--customers`` purchase histories from known BG/NBD and Gamma-Gamma parameters (ages of
1-730 days, whole days, as the snapshot has them), writes them as orders into a scratch analytics
snapshot (one order per purchase day), then times the two halves of ``clv.fit_and_score``: the
customer summary in DuckDB, and the fit of both models + P(alive), expected purchases, expected
spend and a 12-month CLV (1% a month, 30% margin) for every customer. Prints the times, the
distinct (x, t_x, T) rows the models run on, the fitted against the true parameters, peak RSS and
the load average.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.predict import bgnbd, clv, gammagamma

AS_OF = date(2025, 9, 30)
TRUE_PURCHASES = bgnbd.BgNbd(r=0.6, alpha=6.0, a=0.7, b=3.0, log_likelihood=0.0, customers=0)
TRUE_SPEND = gammagamma.GammaGamma(p=6.0, q=4.0, gamma=150_000.0, log_likelihood=0.0, customers=0)


def purchase_days(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer, days before AS_OF, spend in minor units) per purchase day, from the models."""
    age_days = rng.integers(1, 731, n)
    x, t_x = bgnbd.simulate(TRUE_PURCHASES, age_days / clv.WEEK, rng)
    recency = np.minimum(np.floor(t_x * clv.WEEK), age_days).astype(np.int64)
    x = np.where(recency > 0, x, 0)  # repeats on the first day are the first purchase
    customer = np.arange(1, n + 1)
    first = age_days
    # the first day, the last repeat day, and x - 1 days in between (a clash merges two days)
    middle = np.repeat(np.arange(n), np.maximum(x - 1, 0))
    middle_days = first[middle] - rng.integers(1, np.maximum(recency[middle], 2), len(middle))
    repeat = x > 0
    who = np.concatenate([customer, customer[repeat], customer[middle]])
    ago = np.concatenate([first, first[repeat] - recency[repeat], middle_days])
    # Gamma-Gamma: each customer's scale nu ~ Gamma(q, gamma), each purchase ~ Gamma(p, nu)
    nu = rng.gamma(TRUE_SPEND.q, 1.0 / TRUE_SPEND.gamma, n)
    spend = np.maximum(np.rint(rng.gamma(TRUE_SPEND.p, 1.0 / nu[who - 1])), 1)
    return who, ago, spend.astype(np.int64)


def build_snapshot(path: Path, n: int, seed: int) -> int:
    """Write the purchase days as orders (and their customers) into a fresh snapshot."""
    who, ago, spend = purchase_days(n, np.random.default_rng(seed))
    end = datetime.combine(AS_OF, datetime.min.time(), UTC) + timedelta(hours=12)
    placed = pa.array(end.timestamp() - ago * 86_400.0).cast(pa.int64())
    orders = pa.table(
        {
            "id": np.arange(1, len(who) + 1),
            "customer_id": who,
            "placed_at": pa.compute.cast(
                pa.compute.multiply(placed, 1_000_000), pa.timestamp("us", tz="UTC")
            ),
            "total_minor": spend,
            "cancelled": np.zeros(len(who), dtype=bool),
        }
    )
    snapshot = Snapshot(path)
    db = snapshot.cursor()
    db.register("new_orders", orders)
    db.execute("""INSERT INTO orders (id, customer_id, placed_at, total_minor, cancelled)
                  SELECT * FROM new_orders""")
    db.execute(
        "INSERT INTO customers (id, resolved_id) SELECT i, i FROM range(1, $n + 1) t(i)", {"n": n}
    )
    snapshot.close()
    return len(who)


def _shown(params: object) -> str:
    """The parameters of a fitted model, without its log-likelihood and size."""
    values = asdict(params)  # type: ignore[call-overload]
    return " ".join(f"{k} {v:.3f}" for k, v in values.items() if k not in SIZE_FIELDS)


SIZE_FIELDS = ("log_likelihood", "customers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", choices=sorted(clv.MODELS), default="bgnbd")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "analytics.duckdb"
        started = time.perf_counter()
        orders = build_snapshot(path, args.customers, args.seed)
        print(
            f"data             {args.customers:,} customers, {orders:,} purchase days "
            f"({time.perf_counter() - started:.1f} s to build)"
        )
        snapshot = Snapshot(path)
        started = time.perf_counter()
        summary = clv.customer_summary(snapshot, AS_OF)
        summarised = time.perf_counter() - started
        started = time.perf_counter()
        model, scores = clv.score_summary(summary, AS_OF, clv.Terms(365, 0.01, 0.3, args.model))
        scored = time.perf_counter() - started
    x, recency, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    rows = len(np.unique(np.column_stack([x, recency, age]), axis=0))
    fitted, spend = model.purchases, model.spend
    print(f"summary (DuckDB) {summarised:.2f} s")
    print(
        f"fit + score      {scored:.2f} s  ({args.model} on {rows:,} distinct rows, Gamma-Gamma on "
        f"{spend.customers:,} repeaters, {scores.num_rows:,} customers scored)"
    )
    print(f"total            {summarised + scored:.2f} s")
    print(f"{args.model:<17}{_shown(fitted)}  (weeks; drawn from BG/NBD {_shown(TRUE_PURCHASES)};")
    print("                 whole days and same-day clashes bias the fit a little)")
    print(f"Gamma-Gamma      p {spend.p:.2f} q {spend.q:.2f} gamma {spend.gamma:,.0f}")
    total = int(scores["clv_minor"].to_numpy().sum())
    print(f"CLV              {total:,} minor units in all, {total // scores.num_rows:,} a customer")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS         {peak:.0f} MiB")
    print("load average     {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    sys.exit(main())
