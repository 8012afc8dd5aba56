"""Splink's batch resolution on Spark: the same settings and training as on DuckDB give the
same candidate pairs with the same probabilities, and the same links and review items."""

import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from omnicrm.identity.linkage_model import score_pairs
from omnicrm.identity.profiles import profiles as read_profiles
from omnicrm.identity.resolve import resolve_all
from omnicrm.identity.spark_linker import spark_api
from omnicrm.store.db import make_engine, unit_of_work
from omnicrm.store.schema import LinkRule, ReviewItem

pytestmark = pytest.mark.spark


def _outcome(path: Path, db_api: Any) -> tuple[list, list]:
    engine = make_engine(f"sqlite:///{path}")
    resolve_all(engine, probabilistic=True, db_api=db_api)
    with unit_of_work(engine) as session:
        rules = session.execute(
            select(LinkRule.left_id, LinkRule.right_id, LinkRule.reason)
            .where(LinkRule.kind == "always_link")
            .order_by(LinkRule.left_id, LinkRule.right_id)
        ).all()
        items = session.execute(
            select(ReviewItem.left_id, ReviewItem.right_id, ReviewItem.score).order_by(
                ReviewItem.left_id, ReviewItem.right_id
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rules], [tuple(i) for i in items]


def test_splink_scores_the_same_on_spark(small_chain: Path, spark: Any, tmp_path: Path) -> None:
    profiles = read_profiles(make_engine(f"sqlite:///{small_chain}"))
    on_duckdb = score_pairs(profiles, 0.01)
    on_spark = score_pairs(profiles, 0.01, spark_api(spark))
    assert len(on_duckdb) >= 10, "the small chain should have candidate pairs to compare"
    assert [p[:2] for p in on_spark] == [p[:2] for p in on_duckdb]
    for (_, _, p_spark, agreed_spark), (_, _, p_duck, agreed_duck) in zip(
        on_spark, on_duckdb, strict=True
    ):
        assert math.isclose(p_spark, p_duck, rel_tol=1e-9)
        assert agreed_spark == agreed_duck
    # the batch resolution itself: links and review items written from each backend's scores
    for name in ("duck.db", "spark.db"):
        shutil.copyfile(small_chain, tmp_path / name)
    rules_duck, items_duck = _outcome(tmp_path / "duck.db", None)
    rules_spark, items_spark = _outcome(tmp_path / "spark.db", spark_api(spark))
    assert rules_spark == rules_duck
    assert [i[:2] for i in items_spark] == [i[:2] for i in items_duck]
    assert all(
        math.isclose(a[2], b[2], rel_tol=1e-9) for a, b in zip(items_spark, items_duck, strict=True)
    )
    assert rules_duck or items_duck


def test_the_command_line_names_the_engines() -> None:
    from typer.testing import CliRunner

    from omnicrm.identity.command import app

    result = CliRunner().invoke(app, ["resolve", "--probabilistic", "--engine", "trino"])
    assert result.exit_code != 0
    assert "--engine is duckdb or spark" in result.output
