"""Clusters: the four planted behaviour groups are found with k = 4 and matched; every cluster has
a non-empty, unique name and description in both languages; sub-segments of an RFM segment hold
only its customers; the naming rule on hand-made numbers."""

import pickle
from datetime import timedelta

import duckdb
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from omnicrm.analytics.segments import score_steps, segment_table
from omnicrm.analytics.steps import run_steps
from omnicrm.predict.cluster_names import describe, name_all
from omnicrm.predict.clusters import FEATURES, fit_clusters, fit_subsegments
from recs_world import AS_OF


def test_planted_groups_are_recovered_with_the_right_k(
    con: duckdb.DuckDBPyConnection, truth: dict[str, np.ndarray]
) -> None:
    model, table = fit_clusters(con, AS_OF)
    assert model.k == 4
    assert max(model.silhouettes, key=model.silhouettes.get) == 4
    assert set(model.silhouettes) == set(range(3, 11))
    ids = table["customer_id"].to_numpy()
    assert adjusted_rand_score(truth["group"][ids - 1], table["cluster"].to_numpy()) > 0.8
    names = [(d.name_ru, d.name_en) for d in model.descriptions]
    assert len(set(names)) == 4
    for d in model.descriptions:
        assert d.name_ru
        assert d.name_en
        assert d.text_ru
        assert d.text_en
        assert "против" in d.text_ru
        assert " vs " in d.text_en
    again = pickle.loads(pickle.dumps(model))
    assert again.descriptions == model.descriptions
    raw = np.array([[5, 20, 1_000_000, 50_000, 2, 0.1, 0.02, 4]], dtype=float)
    assert again.assign(raw).tolist() == model.assign(raw).tolist()
    row = table.slice(0, 1).to_pylist()[0]
    assert (row["name_ru"], row["name_en"]) == names[row["cluster"]]


def test_sub_segments_hold_only_the_segments_customers(con: duckdb.DuckDBPyConnection) -> None:
    model, table = fit_subsegments(con, AS_OF, "Champions")
    con.register("rfm_grid", segment_table())
    since = AS_OF - timedelta(days=365)
    run_steps(con, score_steps("purchases", "check"), {"since": since, "until": AS_OF})
    champions = con.execute(
        "SELECT customer FROM check_segments WHERE segment = 'Champions' ORDER BY 1"
    ).fetchnumpy()["customer"]
    assert table["customer_id"].to_numpy().tolist() == champions.tolist()
    assert model.segment == "Champions"
    assert 3 <= model.k <= 10
    with pytest.raises(ValueError, match="unknown RFM segment 'Stars'"):
        fit_subsegments(con, AS_OF, "Stars")


def test_a_cluster_is_named_by_its_two_most_distinct_features() -> None:
    z = np.zeros(len(FEATURES))
    z[FEATURES.index("frequency")], z[FEATURES.index("online_share")] = 2.0, -1.5
    z[FEATURES.index("avg_receipt")] = 0.5
    means = np.array([10, 12, 600_000, 50_000, 2, 0.05, 0.1, 3], dtype=float)
    overall = np.array([60, 4, 200_000, 50_000, 2, 0.4, 0.1, 2], dtype=float)
    d = describe(FEATURES, z, means, overall)
    assert d.name_ru == "Часто покупают, покупают в магазине"
    assert d.name_en == "Frequent, in-store"
    assert d.features == ("frequency", "online_share", "avg_receipt")
    assert d.text_en.startswith("purchases a year 12.0 vs 4.0 on average; online share 5% vs 40%")
    assert d.text_ru.startswith("покупок за год 12,0 против 4,0 в среднем")
    twins = name_all(FEATURES, np.stack([z, z]), np.stack([means, means]), overall)
    assert twins[0].name_en != twins[1].name_en
    assert twins[1].name_en.startswith("Frequent, in-store, ")
