"""Every analysis gives the same report on Spark (over the Parquet snapshot) as on DuckDB, on a
small synthetic chain: the steps are written once, in DuckDB's dialect, and translated."""

import json
import math
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omnicrm.analytics import abc, attribution, cohorts, funnel, kpi, rfm
from omnicrm.analytics.command import app as cli
from omnicrm.analytics.parquet import TABLES, export
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.reports import REPORTS, ReportOptions
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.analytics.spark import SparkSnapshot
from omnicrm.store.db import make_engine

pytestmark = pytest.mark.spark

ANALYSES: dict[str, Any] = {
    "kpi": kpi.kpis,
    "rfm": rfm.rfm_segments,
    "rfm_movement": rfm.rfm_movement,
    "abc": abc.abc,
    "cohorts": cohorts.cohorts,
    "funnel": funnel.funnel,
    "attribution": attribution.attribution,
    **{name: partial(report, options=ReportOptions()) for name, report in REPORTS.items()},
}


@pytest.fixture(scope="module")
def engines(
    small_chain: Path, spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Snapshot, SparkSnapshot]]:
    work = tmp_path_factory.mktemp("spark_analytics")
    duck = Snapshot(work / "analytics.duckdb")
    duck.refresh(make_engine(f"sqlite:///{small_chain}"))
    export(duck, work / "parquet")
    on_spark = SparkSnapshot(spark, str(work / "parquet"))
    yield duck, on_spark
    on_spark.close()
    duck.close()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@pytest.mark.parametrize(
    ("name", "by"),
    [(name, "channel") for name in ANALYSES] + [("kpi", "segment")],
)
def test_the_analysis_is_the_same_on_spark(
    engines: tuple[Snapshot, SparkSnapshot], name: str, by: str
) -> None:
    duck, on_spark = engines
    assert on_spark.data_end() == duck.data_end()
    query = Query(Period.last_days(duck.data_end(), 365), by=by)  # type: ignore[arg-type]
    expected = run(duck, ANALYSES[name], query)
    got = run(on_spark, ANALYSES[name], query)  # type: ignore[arg-type]
    assert expected.rows, f"{name}: nothing to compare on the small chain"
    assert got.columns == expected.columns
    assert len(got.rows) == len(expected.rows)
    for mine, theirs in zip(got.rows, expected.rows, strict=True):
        assert all(_same(a, b) for a, b in zip(mine, theirs, strict=True)), (mine, theirs)


def test_the_command_line_runs_on_spark(small_chain: Path, spark: Any, tmp_path: Path) -> None:
    """``analytics parquet DIR`` writes every table; ``--engine spark --parquet DIR`` answers
    what the DuckDB snapshot answers."""
    store = tmp_path / "omnicrm.db"
    shutil.copyfile(small_chain, store)
    common = ["--db", f"sqlite:///{store}", "--snapshot", str(tmp_path / "a.duckdb")]
    written = CliRunner().invoke(cli, [*common, "parquet", str(tmp_path / "pq")])
    assert written.exit_code == 0, written.output
    assert {p.name for p in (tmp_path / "pq").iterdir()} == {f"{t}.parquet" for t in TABLES}
    answers = []
    spark_options = ["--engine", "spark", "--parquet", str(tmp_path / "pq")]
    for engine in (["--engine", "duckdb"], spark_options):
        result = CliRunner().invoke(cli, [*common, *engine, "--format", "json", "cohorts"])
        assert result.exit_code == 0, result.output
        answers.append(json.loads(result.stdout)["rows"])
    assert answers[0] == answers[1]
    assert answers[0]


def test_spark_needs_its_parquet_snapshot() -> None:
    result = CliRunner().invoke(cli, ["--engine", "spark", "kpi"])
    assert result.exit_code != 0
    assert "--engine spark needs --parquet" in result.output
    result = CliRunner().invoke(cli, ["--engine", "trino", "kpi"])
    assert "--engine is one of duckdb, spark" in result.output
