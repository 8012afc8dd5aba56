"""Every benchmark runs at a tiny scale, so none of them rots between the runs that measure."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"

RUNS = {
    "bench_synth.py": ["--customers", "60"],
    "bench_import.py": ["--customers", "60"],
    "bench_stream.py": ["--clients", "2", "--seconds", "1"],
    "bench_identity.py": ["--customers", "60", "--incremental", "10"],
    "bench_identity_hard.py": ["--people", "150"],
    "bench_house_cards.py": ["--customers", "60"],
    "bench_till.py": ["--customers", "50", "--clients", "2", "--seconds", "1"],
    "bench_expiry.py": ["--accounts", "50"],
    "bench_liability.py": ["--accounts", "50"],
    "bench_registry.py": ["--members", "200"],
    "bench_pages.py": ["--customers", "60"],
    "bench_analytics.py": ["--customers", "60"],
    "bench_promotions.py": ["--codes", "1000", "--customers", "60", "--carts", "200"],
    "bench_audience.py": ["--customers", "500", "--null-outbox"],
    "bench_outbox.py": ["--messages", "50"],
    "bench_clv.py": ["--customers", "2000"],
    "bench_recommend.py": ["--customers", "2000"],
    "bench_churn.py": ["--customers", "3000"],
}


def test_every_benchmark_has_a_smoke_run() -> None:
    assert {p.name for p in BENCHMARKS.glob("bench_*.py")} == set(RUNS)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_benchmark_runs_at_a_tiny_scale_and_prints_figures(script: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *RUNS[script]],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "OMNICRM_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.db'}"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert re.search(r"\d+(\.\d+)?\s*(/s|s\b|ms|MiB|MB)", result.stdout), result.stdout
