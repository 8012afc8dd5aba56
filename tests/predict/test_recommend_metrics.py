"""precision@k, recall@k and MAP@k on hand-made cases worked out by hand."""

import numpy as np
import pytest
import scipy.sparse as sp

from omnicrm.predict.ranking_metrics import evaluate, hits
from omnicrm.predict.recommend import choose


def truth(rows: list[list[int]], items: int = 6) -> sp.csr_matrix:
    r = [i for i, row in enumerate(rows) for _ in row]
    c = [j for row in rows for j in row]
    return sp.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(rows), items))


def test_one_user_two_of_three_relevant() -> None:
    # ranks 1 and 3 hit: AP = (1/1 + 2/3) / min(2, 3) = 5/6
    got = evaluate(np.array([[1, 2, 3]]), truth([[1, 3]]), k=3)
    assert got["precision_at_3"] == pytest.approx(2 / 3)
    assert got["recall_at_3"] == pytest.approx(1.0)
    assert got["map_at_3"] == pytest.approx(5 / 6)


def test_users_without_truth_are_not_averaged_and_short_lists_are_not_rewarded() -> None:
    recs = np.array([[4, -1, -1], [0, 1, 2], [5, 4, 3]])
    got = evaluate(recs, truth([[4], [], [0, 1, 2, 3]]), k=3)
    # user 0: 1 hit of 3 slots, recall 1, AP 1; user 2: hit at rank 3 only, AP (1/3)/3
    assert got["users"] == 2
    assert got["precision_at_3"] == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert got["recall_at_3"] == pytest.approx((1 + 1 / 4) / 2)
    assert got["map_at_3"] == pytest.approx((1 + 1 / 9) / 2)


def test_k_cuts_the_list_and_more_relevant_than_k_can_still_score_one() -> None:
    got = evaluate(np.array([[0, 1, 5]]), truth([[0, 1, 2, 3]]), k=2)
    assert got["precision_at_2"] == 1.0
    assert got["recall_at_2"] == 0.5
    assert got["map_at_2"] == 1.0


def test_hits_ignores_padding_and_checks_shapes() -> None:
    assert hits(np.array([[-1, 0]]), truth([[0, 5]])).tolist() == [[False, True]]
    with pytest.raises(ValueError, match="rows"):
        hits(np.array([[0]]), truth([[0], [1]]))
    with pytest.raises(ValueError, match="nothing to evaluate"):
        evaluate(np.array([[0]]), truth([[]]), k=1)


def test_choose_takes_the_best_candidate_never_popularity_and_ties_go_first() -> None:
    results = {
        "popularity": {"map_at_10": 0.9},
        "cooccurrence": {"map_at_10": 0.2},
        "als": {"map_at_10": 0.3},
    }
    assert choose(results) == "als"
    assert choose({**results, "als": {"map_at_10": 0.2}}) == "cooccurrence"
    with pytest.raises(ValueError, match="no candidate"):
        choose({"popularity": {"map_at_10": 1.0}})
