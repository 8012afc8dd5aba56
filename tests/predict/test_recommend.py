"""Recommendations on the planted-taste snapshot: the chosen model beats popularity on the
time-split holdout; the lists obey the exclusion rule; and the whole path runs on data generated
by ``omnicrm.synth`` and imported like a real chain's."""

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
import scipy.sparse as sp

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.bulk import import_directory
from omnicrm.predict.interactions import Interactions, load, take_rows, time_split
from omnicrm.predict.recommend import excluded, fit_recommender, recommend
from omnicrm.synth import generate
from recs_world import AS_OF


@pytest.fixture(scope="module")
def fitted(world: tuple[Snapshot, dict]) -> tuple:
    db = world[0].cursor()
    try:
        return fit_recommender(db, AS_OF)
    finally:
        db.close()


def test_the_chosen_model_beats_popularity_on_map_at_10(fitted: tuple) -> None:
    model, metrics = fitted
    models = metrics["models"]
    assert metrics["chosen"] in ("cooccurrence", "als")
    assert model.kind == metrics["chosen"]
    assert models[metrics["chosen"]]["map_at_10"] > 2 * models["popularity"]["map_at_10"]
    assert metrics["map_lift_over_popularity"] > 2
    assert metrics["beats_popularity"] is True
    for name in ("popularity", "cooccurrence", "als"):
        assert 0 < models[name]["precision_at_10"] <= models[name]["recall_at_10"] <= 1
        assert models[name]["users"] > 500
    assert metrics["test"]["until"] == AS_OF.isoformat() == metrics["fitted"]["until"]
    assert metrics["train"]["until"] == metrics["test"]["since"]
    assert metrics["holdout_customers"] > 2000


def test_recommendations_skip_what_was_just_bought_and_cold_customers_get_popular(
    fitted: tuple, con: duckdb.DuckDBPyConnection
) -> None:
    model, _ = fitted
    ids = model.interactions.customers[:200]
    table = recommend(model, [*ids.tolist(), -1], n=10)
    assert table.column_names == ["customer_id", "skus"]
    assert table["customer_id"].to_pylist() == [*ids.tolist(), -1]
    lists = table["skus"].to_pylist()
    assert all(len(skus) == len(set(skus)) == 10 for skus in lists)
    recent = con.execute(
        """SELECT o.customer, p.sku FROM purchases o JOIN order_lines l ON l.order_id = o.id
           JOIN products p ON p.id = l.product_id WHERE o.placed_at >= $since""",
        {"since": AS_OF - timedelta(days=30)},
    ).fetchall()
    just_bought = {(c, s) for c, s in recent}
    assert just_bought, "the world has purchases in the last 30 days"
    assert not any((c, s) in just_bought for c, skus in zip(ids, lists, strict=False) for s in skus)
    popular = con.execute(
        """SELECT p.sku FROM purchases o JOIN order_lines l ON l.order_id = o.id
           JOIN products p ON p.id = l.product_id WHERE o.placed_at >= $since
           GROUP BY p.sku ORDER BY count(DISTINCT o.customer) DESC LIMIT 1""",
        {"since": model.interactions.since},
    ).fetchone()
    assert lists[-1][0] == popular[0]
    with pytest.raises(ValueError, match="n must be"):
        recommend(model, ids, n=0)
    again = pickle.loads(pickle.dumps(model))  # how a model version is kept
    assert recommend(again, ids[:20], n=10).equals(table.slice(0, 20))


def _hand_made(orders: list[list[int]], last_days: list[int]) -> Interactions:
    matrix = sp.csr_matrix(np.array(orders, dtype=np.float32))
    t = datetime(2026, 1, 1, tzinfo=UTC)
    return Interactions(
        matrix,
        np.array(last_days, dtype=np.int32),
        np.arange(len(orders)),
        np.arange(matrix.shape[1]),
        np.array(["A", "B", "C"], dtype=object),
        t - timedelta(days=365),
        t,
    )


def test_exclusion_rule_recent_always_earlier_only_for_repeat_products() -> None:
    # product A: one buyer of two bought it twice (a repeat product); B: bought once each.
    inter = _hand_made([[2, 1, 0], [1, 1, 0]], last_days=[100, 10, 5, 200])
    got = excluded(inter).toarray()
    # cells in CSR order: (0,A) 100d repeat: allowed; (0,B) 10d: recent; (1,A) 5d: recent;
    # (1,B) 200d, B not a repeat product: excluded
    assert got.tolist() == [[False, True, False], [True, True, False]]


def test_the_holdout_runs_on_samples_and_the_refit_on_everyone(
    con: duckdb.DuckDBPyConnection,
) -> None:
    model, metrics = fit_recommender(
        con, AS_OF, max_customers_fitted=1000, max_customers_evaluated=200
    )
    assert metrics["holdout_customers"] == 1000
    assert all(m["users"] == 200 for m in metrics["models"].values())
    assert len(model.interactions.customers) > 2000


def test_taking_rows_keeps_each_cells_days() -> None:
    inter = _hand_made([[2, 1, 0], [0, 0, 0], [1, 0, 3]], last_days=[100, 10, 5, 7])
    part = take_rows(inter, np.array([0, 2]))
    assert part.matrix.toarray().tolist() == [[2, 1, 0], [1, 0, 3]]
    assert part.last_days.tolist() == [100, 10, 5, 7]
    assert take_rows(inter, np.array([2])).last_days.tolist() == [5, 7]
    assert take_rows(inter, np.array([2])).customers.tolist() == [2]


def test_time_split_tests_the_train_customers_and_refuses_bad_windows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cut = AS_OF - timedelta(days=60)
    train, test = time_split(con, cut - timedelta(days=365), cut, AS_OF)
    assert (test.customers == train.customers).all()
    assert (test.products == train.products).all()
    assert train.matrix.nnz > 0
    assert test.matrix.nnz > 0
    with pytest.raises(ValueError, match="since < cut < until"):
        time_split(con, AS_OF, cut, AS_OF)
    with pytest.raises(ValueError, match="timezone-aware"):
        load(con, datetime(2025, 1, 1), datetime(2025, 2, 1))


def test_the_whole_path_runs_on_synthetic_chain_data(sqlite_engine: object, tmp_path: Path) -> None:
    generate(tmp_path / "data", 800, seed=11, workers=1)
    import_directory(sqlite_engine, tmp_path / "data")  # type: ignore[arg-type]
    resolve_all(sqlite_engine)  # type: ignore[arg-type]
    snap = Snapshot(tmp_path / "snap.duckdb")
    snap.refresh(sqlite_engine)  # type: ignore[arg-type]
    db = snap.cursor()
    try:
        end = snap.data_end()
        assert end is not None
        model, metrics = fit_recommender(db, end)
        assert set(metrics["models"]) == {"popularity", "cooccurrence", "als"}
        assert all(m["users"] > 0 for m in metrics["models"].values())
        customer = int(model.interactions.customers[0])
        (skus,) = recommend(model, [customer], n=5)["skus"].to_pylist()
        known = {s for (s,) in db.execute("SELECT sku FROM products").fetchall()}
        assert len(skus) == 5
        assert set(skus) <= known
    finally:
        db.close()
        snap.close()
