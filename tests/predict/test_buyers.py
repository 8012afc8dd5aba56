"""Buyers for a product: the model's ranking puts the customers who did buy the category later
well above the others, for both candidate models; bad targets are refused by name."""

from datetime import timedelta

import duckdb
import numpy as np
import pytest

from omnicrm.predict.buyers import Target, audience, buyers_for
from omnicrm.predict.interactions import load
from omnicrm.predict.recommend import build
from recs_world import AS_OF

CUT = AS_OF - timedelta(days=60)


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Mann-Whitney: the chance a random later buyer is ranked above a random other customer."""
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
    pos = positive.sum()
    return float((ranks[positive].sum() - pos * (pos + 1) / 2) / (pos * (~positive).sum()))


@pytest.mark.parametrize("kind", ["als", "cooccurrence"])
def test_later_buyers_of_a_category_rank_far_above_random(
    con: duckdb.DuckDBPyConnection, kind: str
) -> None:
    model = build(load(con, CUT - timedelta(days=365), CUT), kind)
    table = buyers_for(model, con, category="Root1/Cat5", n=None, recent_days=0)
    later = con.execute(
        """SELECT DISTINCT o.customer FROM purchases o JOIN order_lines l ON l.order_id = o.id
           JOIN products p ON p.id = l.product_id
           WHERE p.category = 'Root1/Cat5' AND o.placed_at >= $cut""",
        {"cut": CUT},
    ).fetchnumpy()["customer"]
    ids = table["customer_id"].to_numpy()
    scores = table["score"].to_numpy()
    assert len(ids) == len(model.interactions.customers)
    assert (np.diff(scores) <= 0).all()
    positive = np.isin(ids, later)
    assert 20 < positive.sum() < len(ids) / 2
    assert auc(scores, positive) > 0.65  # random ranking: 0.5


def test_recent_buyers_are_left_out_and_the_audience_is_what_a_snapshot_stores(
    con: duckdb.DuckDBPyConnection,
) -> None:
    model = build(load(con, AS_OF - timedelta(days=365), AS_OF), "als")
    sku = str(model.interactions.skus[int(np.argmax(model.buyers))])
    recent = con.execute(
        """SELECT DISTINCT o.customer FROM purchases o JOIN order_lines l ON l.order_id = o.id
           JOIN products p ON p.id = l.product_id WHERE p.sku = $sku AND o.placed_at >= $since""",
        {"sku": sku, "since": AS_OF - timedelta(days=30)},
    ).fetchnumpy()["customer"]
    assert len(recent)
    table = buyers_for(model, con, sku=sku, n=500)
    assert table.num_rows == 500
    assert not np.isin(table["customer_id"].to_numpy(), recent).any()
    frozen = audience(table, Target("sku", sku))
    assert (np.diff(frozen.members) > 0).all()
    assert len(frozen.members) == 500
    assert frozen.name == f"likely buyers of sku {sku}"
    assert buyers_for(model, con, brand="Brand3", n=10).num_rows == 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of sku, brand or category"),
        ({"sku": "SKU0000001", "brand": "Brand1"}, "exactly one"),
        ({"sku": "NOPE"}, "no product with sku 'NOPE'"),
        ({"category": "Root9"}, "no product with category 'Root9'"),
        ({"brand": "Brand1", "n": 0}, "n must be at least 1"),
    ],
)
def test_bad_targets_are_refused_by_name(
    con: duckdb.DuckDBPyConnection, kwargs: dict, message: str
) -> None:
    model = build(load(con, AS_OF - timedelta(days=90), AS_OF), "cooccurrence")
    with pytest.raises(ValueError, match=message):
        buyers_for(model, con, **kwargs)
