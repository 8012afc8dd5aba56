"""Item-item co-occurrence: products bought by the same customers are recommended together.

Similarity is the cosine of two products' buyer sets, ``|A and B| / sqrt(|A| |B|)`` (lift,
``|A and B| N / (|A| |B|)``, favours rare products that one or two customers happened to share).
Each product keeps its ``neighbours`` most similar products only, so the similarity matrix stays
sparse whatever the catalogue. A customer's score for a product is the sum of its similarities to
what they bought, each purchase weighted by recency (halving every ``half_life_days``).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from omnicrm.predict.interactions import Interactions


def top_per_row(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """The ``keep`` largest values of each row (vectorised: one sort of all cells)."""
    row = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    order = np.lexsort((-matrix.data, row))
    rank = np.arange(len(order)) - matrix.indptr[row[order]]
    kept = order[rank < keep]
    return sp.csr_matrix((matrix.data[kept], (row[kept], matrix.indices[kept])), shape=matrix.shape)


@dataclass(frozen=True, slots=True)
class CoOccurrence:
    user_weights: sp.csr_matrix
    similarity: sp.csr_matrix

    @classmethod
    def fit(
        cls, interactions: Interactions, neighbours: int = 100, half_life_days: float = 90.0
    ) -> "CoOccurrence":
        bought = interactions.matrix.copy()
        bought.data = np.ones_like(bought.data)
        together = (bought.T @ bought).tocsr()
        buyers = together.diagonal().astype(np.float64)
        together.setdiag(0)
        together.eliminate_zeros()
        coo = together.tocoo()
        norm = np.sqrt(buyers[coo.row] * buyers[coo.col])
        cosine = sp.csr_matrix(
            ((coo.data / norm).astype(np.float32), (coo.row, coo.col)), shape=together.shape
        )
        weights = interactions.matrix.copy()
        weights.data = (0.5 ** (interactions.last_days / half_life_days)).astype(np.float32)
        return cls(weights, top_per_row(cosine, neighbours))

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return (self.user_weights[rows] @ self.similarity).toarray()

    def affinity(self, items: np.ndarray) -> np.ndarray:
        """Every user's summed score over ``items``."""
        column = np.asarray(self.similarity[:, items].sum(axis=1)).ravel()
        return self.user_weights @ column
