"""Implicit-feedback ALS (Hu, Koren & Volinsky 2008) through the ``implicit`` library.

Confidence of a cell is ``alpha * log1p(orders)``: buying a product on a second order says more
than once, but not twice as much. Only the factors are kept (plain arrays, picklable, no library
object), so scoring is a matrix product. BLAS is held to one thread while fitting: ``implicit``
runs its own threads, and both at once on two cores run many times slower.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


@dataclass(frozen=True, slots=True)
class ALS:
    """User and item factors; a user's score for an item is their dot product."""

    user_factors: np.ndarray
    item_factors: np.ndarray

    @classmethod
    def fit(
        cls,
        matrix: sp.csr_matrix,
        factors: int = 16,
        regularization: float = 0.1,
        alpha: float = 4.0,
        iterations: int = 15,
        threads: int = 1,
        seed: int = 0,
    ) -> "ALS":
        from implicit.cpu.als import AlternatingLeastSquares

        confidence = matrix.astype(np.float32, copy=True)
        np.log1p(confidence.data, out=confidence.data)
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            num_threads=threads,
            random_state=seed,
        )
        with threadpool_limits(1, "blas"):
            model.fit(confidence, show_progress=False)
        return cls(np.asarray(model.user_factors), np.asarray(model.item_factors))

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return self.user_factors[rows] @ self.item_factors.T

    def affinity(self, items: np.ndarray) -> np.ndarray:
        """Every user's summed score over ``items`` (one product: the sum is linear)."""
        return self.user_factors @ self.item_factors[items].sum(axis=0)
