"""Benchmark ``omnicrm synth``: time, peak memory and volume of one generation.

    python benchmarks/bench_synth.py --customers 1000000 --out /tmp/synth-1m

Prints customers, order lines, rows and size per file, seconds and peak RSS (this process and its
worker processes). Use a tiny ``--customers`` as a CI smoke test.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from omnicrm.synth import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fmt", choices=("native", "parquet"), default="native")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument(
        "--out", type=Path, default=None, help="output directory (default: a temp dir, removed)"
    )
    args = ap.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="omnicrm-synth-"))
    started = time.perf_counter()
    manifest = generate(out, args.customers, seed=args.seed, fmt=args.fmt, workers=args.workers)
    seconds = time.perf_counter() - started
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    own, children = me.ru_maxrss / 1024, kids.ru_maxrss / 1024
    cpu_main = me.ru_utime + me.ru_stime
    cpu_kids = kids.ru_utime + kids.ru_stime

    print(f"customers      {manifest['customers']:>14,}")
    print(f"order lines    {manifest['order_lines']:>14,}")
    print(f"{'file':<28}{'records':>14}{'rows':>14}{'MiB':>10}")
    total = 0
    for name, entry in manifest["files"].items():
        size = (out / name).stat().st_size
        total += size
        print(f"{name:<28}{entry['records']:>14,}{entry['rows']:>14,}{size / 2**20:>10.1f}")
    for key in ("ground_truth", "people_truth"):
        gt = out / manifest[key]["file"]
        total += gt.stat().st_size
        print(
            f"{gt.name:<28}{'':>14}{manifest[key]['rows']:>14,}{gt.stat().st_size / 2**20:>10.1f}"
        )
    print(f"total size     {total / 2**30:>14.2f} GiB")
    print(f"seconds        {seconds:>14.1f}")
    print(
        f"cpu seconds    {cpu_main + cpu_kids:>14.1f} (main {cpu_main:.1f}, workers {cpu_kids:.1f})"
    )
    print(f"peak RSS main  {own:>14.0f} MiB")
    print(f"peak RSS child {children:>14.0f} MiB (largest worker)")
    if args.out is None:
        shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
