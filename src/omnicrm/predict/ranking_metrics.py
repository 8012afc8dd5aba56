"""Ranking metrics of top-k recommendations against what customers bought afterwards.

Definitions (ours, stated because the literature has several):

* ``recs``: an (users x k') array of item indices, best first, ``-1`` where a list is shorter;
  ``relevant``: a CSR (users x items) whose non-zero cells are the items each user bought in the
  test window (repeat purchases count once). Only users with at least one relevant item are
  averaged over; a user with none has nothing to be right about.
* hit_i: the item at rank i (1-based) is relevant.
* precision@k = (hits in the first k) / k — the denominator is k even when fewer than k items were
  recommended, so a short list is not rewarded.
* recall@k = (hits in the first k) / |relevant|.
* AP@k = sum over i <= k of hit_i * precision@i, divided by min(|relevant|, k) (so a user with
  more relevant items than k can still reach 1); MAP@k is its mean over users.
"""

import numpy as np
import scipy.sparse as sp


def hits(recs: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Boolean (users x k'): whether each recommended item is among the user's relevant ones."""
    if recs.shape[0] != relevant.shape[0]:
        raise ValueError(f"{recs.shape[0]} rows of recommendations, {relevant.shape[0]} of truth")
    width = relevant.shape[1]
    owners = np.repeat(np.arange(relevant.shape[0], dtype=np.int64), np.diff(relevant.indptr))
    truth = owners * width + relevant.indices
    keys = np.arange(recs.shape[0], dtype=np.int64)[:, None] * width + recs
    return (recs >= 0) & np.isin(keys, truth)


def evaluate(recs: np.ndarray, relevant: sp.csr_matrix, k: int = 10) -> dict[str, float]:
    """precision@k, recall@k and MAP@k (module docstring) with the number of users averaged."""
    if k < 1:
        raise ValueError("k must be at least 1")
    n_relevant = np.diff(relevant.indptr)
    users = n_relevant > 0
    top = recs[:, :k]
    hit = hits(top, relevant)[users].astype(np.float64)
    n_rel = n_relevant[users].astype(np.float64)
    if not len(n_rel):
        raise ValueError("no user has a relevant item: nothing to evaluate")
    found = hit.sum(axis=1)
    ranks = np.arange(1, top.shape[1] + 1, dtype=np.float64)
    precision_at_i = np.cumsum(hit, axis=1) / ranks
    ap = (hit * precision_at_i).sum(axis=1) / np.minimum(n_rel, k)
    return {
        f"precision_at_{k}": float((found / k).mean()),
        f"recall_at_{k}": float((found / n_rel).mean()),
        f"map_at_{k}": float(ap.mean()),
        "users": int(users.sum()),
    }
