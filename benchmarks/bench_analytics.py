"""Analytics benchmark (A7): snapshot refresh, then the full KPI set + RFM + ABC/XYZ together, and
RFM again in a straightforward pandas implementation for comparison, and each analysis beside a
hand-written single DuckDB query computing the same figures over the same snapshot, with the ratio
(``handwritten.py``).

    python benchmarks/bench_analytics.py --customers 300          # CI smoke: seconds
    python benchmarks/bench_analytics.py --customers 1000000      # synth + import + resolve first
    python benchmarks/bench_analytics.py --db sqlite:///var/x.db  # an imported, resolved store

The period is the 365 days up to the last purchase in the store. Each phase runs in a process of
its own so that its peak memory (max RSS) is its own. The pandas RFM gets its input already in
memory (the load is timed apart) and must give the same segment sizes as the DuckDB one.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np

from omnicrm.analytics.abc import abc, months_spanned
from omnicrm.analytics.kpi import kpis
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.rfm import rfm_segments
from omnicrm.analytics.segments import SEGMENT_GRID
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot, default_path
from omnicrm.store.db import make_engine
from omnicrm.store.migrate import upgrade

MEMORY_LIMIT = "3GB"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prepare(customers: int) -> str:
    from omnicrm.identity.resolve import resolve_all
    from omnicrm.ingest.bulk import import_directory
    from omnicrm.synth import generate

    work = Path(tempfile.mkdtemp(prefix="bench_analytics_"))
    t = time.perf_counter()
    generate(work / "data", customers=customers, seed=42)
    url = f"sqlite:///{work / 'omnicrm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    import_directory(engine, work / "data")
    resolve_all(engine)
    engine.dispose()
    print(
        f"generated, imported and resolved {customers} customers in {time.perf_counter() - t:.1f}s",
        file=sys.stderr,
    )
    return url


def phase_refresh(url: str, path: Path) -> dict:
    engine = make_engine(url)
    snapshot = Snapshot(path, MEMORY_LIMIT)
    first = snapshot.refresh(engine)
    again = snapshot.refresh(engine)
    cursor = snapshot.cursor()
    (last,) = cursor.execute("SELECT epoch(max(placed_at)) FROM orders").fetchone()  # type: ignore[misc]
    scale = {
        t: cursor.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
        for t in ("orders", "order_lines", "event_days", "people")
    }
    return {
        "refresh_s": round(first.seconds, 2),
        "refresh_again_s": round(again.seconds, 2),
        "rows": first.rows,
        "scale": scale,
        "last_purchase": last,
        "peak_mib": round(_peak_mib()),
    }


def _query(last: float) -> Query:
    until = datetime.fromtimestamp(last, UTC).replace(hour=0, minute=0, second=0) + timedelta(1)
    return Query(Period.last_days(until, 365))


def phase_analyses(path: Path, last: float) -> dict:
    snapshot = Snapshot(path, MEMORY_LIMIT)
    query = _query(last)
    timings = {}
    t0 = time.perf_counter()
    for name, analysis in (("kpi", kpis), ("rfm", rfm_segments), ("abc", abc)):
        t = time.perf_counter()
        report = run(snapshot, analysis, query)
        timings[name] = round(time.perf_counter() - t, 2)
        if name == "rfm":
            sizes = {r["segment"]: r["customers"] for r in report.records()}
    total = time.perf_counter() - t0
    return {
        "seconds": timings,
        "total_s": round(total, 2),
        "rfm_sizes": sizes,
        "peak_mib": round(_peak_mib()),
    }


def phase_handwritten(path: Path, last: float) -> dict:
    """omnicrm's analyses beside hand-written single queries (``handwritten.py``) computing the
    same figures over the same snapshot: times, and whether the figures agree."""
    import duckdb

    import handwritten

    snapshot = Snapshot(path, MEMORY_LIMIT)
    query = _query(last)
    params = {"since": query.period.since, "until": query.period.until}
    abc_one = partial(abc, subjects=("sku",), measures=("revenue",))
    ours: dict[str, float] = {}
    reports = {}
    for name, analysis in (("kpi", kpis), ("rfm", rfm_segments), ("abc_sku_revenue", abc_one)):
        t = time.perf_counter()
        reports[name] = run(snapshot, analysis, query)
        ours[name] = time.perf_counter() - t
    snapshot.close()
    theirs: dict[str, float] = {}
    found = {}
    with duckdb.connect(str(path), read_only=True, config={"memory_limit": MEMORY_LIMIT}) as db:
        db.execute("SET TimeZone = 'UTC'")
        for name, sql, extra in (
            ("kpi", handwritten.KPI, {}),
            ("rfm", handwritten.RFM, {}),
            ("abc_sku_revenue", handwritten.ABC_SKU_REVENUE, {"months": months_spanned(query)}),
        ):
            t = time.perf_counter()
            found[name] = db.execute(sql, params | extra).fetchall()
            theirs[name] = time.perf_counter() - t
    kpi_now = {r[1]: r[2] for r in reports["kpi"].rows if r[0] == "all"}
    sizes: dict[str, int] = {}
    for r, fm, n in found["rfm"]:
        segment = SEGMENT_GRID[r][fm - 1]
        sizes[segment] = sizes.get(segment, 0) + n
    names = ("turnover_minor", "receipts", "buyers", "new_customers")
    agrees = {
        "kpi": dict(zip(names, found["kpi"][0], strict=True)) == {k: kpi_now[k] for k in names},
        "rfm": sizes == {r[0]: r[1] for r in reports["rfm"].rows if r[1]},
        "abc_sku_revenue": sorted(found["abc_sku_revenue"])
        == sorted((r[2], r[3], r[4]) for r in reports["abc_sku_revenue"].rows),
    }
    return {
        "omnicrm_s": {k: round(v, 3) for k, v in ours.items()},
        "handwritten_s": {k: round(v, 3) for k, v in theirs.items()},
        "agrees": agrees,
    }


def rfm_pandas(frame, until: datetime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """RFM as an analyst would write it in pandas: group, rank, look the segment up."""
    g = frame.groupby("customer").agg(
        last=("placed_at", "max"), frequency=("placed_at", "size"), monetary=("total_minor", "sum")
    )
    end = np.datetime64(until.replace(tzinfo=None), "D")
    g["recency_days"] = (end - g["last"].values.astype("datetime64[D]")).astype(int)
    n = len(g)

    def score(values, ascending: bool = True):  # type: ignore[no-untyped-def]
        rank = values.rank(method="min", ascending=ascending) - 1
        pct = rank / (n - 1) if n > 1 else rank * 0
        return np.minimum(5, 1 + np.floor(5 * pct)).astype(int)

    r = score(g["recency_days"], ascending=False)
    f, m = score(g["frequency"]), score(g["monetary"])
    fm = (f + m + 1) // 2
    segment = [SEGMENT_GRID[a][b - 1] for a, b in zip(r, fm, strict=True)]
    return {k: int(v) for k, v in g.assign(segment=segment)["segment"].value_counts().items()}


def phase_pandas(path: Path, last: float) -> dict:
    import duckdb

    query = _query(last)
    t = time.perf_counter()
    with duckdb.connect(str(path), read_only=True) as db:
        db.execute("SET TimeZone = 'UTC'")
        frame = db.execute(
            """SELECT c.resolved_id AS customer, CAST(o.placed_at AS TIMESTAMP) AS placed_at,
                      o.total_minor
               FROM orders o JOIN customers c ON c.id = o.customer_id
               WHERE NOT o.cancelled AND o.placed_at >= $since AND o.placed_at < $until""",
            {"since": query.period.since, "until": query.period.until},
        ).df()
    load = time.perf_counter() - t
    t = time.perf_counter()
    sizes = rfm_pandas(frame, query.period.until)
    return {
        "load_s": round(load, 2),
        "rfm_s": round(time.perf_counter() - t, 2),
        "rfm_sizes": sizes,
        "rows": len(frame),
        "peak_mib": round(_peak_mib()),
    }


def _child(phase: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--db", help="reuse this imported and resolved store")
    parser.add_argument("--snapshot", type=Path, help="DuckDB file (default: next to the db)")
    parser.add_argument(
        "--phase",
        choices=["refresh", "analyses", "pandas", "handwritten"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--last", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = {
            "refresh": lambda: phase_refresh(args.db, args.snapshot),
            "analyses": lambda: phase_analyses(args.snapshot, args.last),
            "pandas": lambda: phase_pandas(args.snapshot, args.last),
            "handwritten": lambda: phase_handwritten(args.snapshot, args.last),
        }[args.phase]()
        print(json.dumps(result))
        return
    url = args.db or _prepare(args.customers)
    path = args.snapshot or default_path(make_engine(url).url)
    common = ["--db", url, "--snapshot", str(path)]
    refresh = _child("refresh", *common)
    timed = ["--snapshot", str(path), "--last", str(refresh["last_purchase"])]
    analyses = _child("analyses", *timed)
    pandas_rfm = _child("pandas", *timed)
    floor = _child("handwritten", *timed)
    duck_rfm = analyses["seconds"]["rfm"]
    nonzero = {k: v for k, v in analyses["rfm_sizes"].items() if v}
    print(f"scale            {refresh['scale']}")
    print(
        f"refresh          {refresh['refresh_s']}s {refresh['rows']}, "
        f"again (nothing new) {refresh['refresh_again_s']}s, "
        f"peak {refresh['peak_mib']} MiB"
    )
    print(
        f"KPI + RFM + ABC  {analyses['total_s']}s {analyses['seconds']}, "
        f"peak {analyses['peak_mib']} MiB"
    )
    print(
        f"RFM pandas       {pandas_rfm['rfm_s']}s on {pandas_rfm['rows']} purchases "
        f"(+ {pandas_rfm['load_s']}s load), peak {pandas_rfm['peak_mib']} MiB"
    )
    print(
        f"RFM duckdb       {duck_rfm}s; pandas / duckdb = "
        f"{pandas_rfm['rfm_s'] / max(duck_rfm, 1e-9):.1f}x"
    )
    print(f"RFM agrees       {nonzero == pandas_rfm['rfm_sizes']}")
    for name, ours in floor["omnicrm_s"].items():
        theirs = floor["handwritten_s"][name]
        print(
            f"{name:16} omnicrm {ours}s, hand-written single DuckDB query {theirs}s, "
            f"ratio {ours / max(theirs, 1e-9):.1f}x, figures agree {floor['agrees'][name]}"
        )
    print("  (kpi: the hand-written query computes 4 of the 27 KPIs, one period; omnicrm all")
    print("   27 for this period and the previous one)")
    print("load average     {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if not all(floor["agrees"].values()):
        sys.exit(f"a hand-written query disagrees: {floor['agrees']}")
    if nonzero != pandas_rfm["rfm_sizes"]:
        sys.exit(f"RFM differs: duckdb {nonzero} pandas {pandas_rfm['rfm_sizes']}")


if __name__ == "__main__":
    main()
