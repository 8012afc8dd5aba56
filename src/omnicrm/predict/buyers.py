"""Buyers for a product: the customers most likely to buy a SKU, a brand or a category.

A customer's score is the recommender's summed score over the target's products (ALS: their
factors' dot product; co-occurrence: similarity to what they bought), so the ranking is the
model's own. Customers who bought one of the target's products in the last ``recent_days`` are
left out: they have just bought it. A category names its own products and those of every category
under it (``Обувь`` takes ``Обувь/Женская/Туфли``).

``audience`` gives what ``campaigns.audiences.take_snapshot`` stores: the members' ids unique and
ascending, with a name saying what they were chosen for.
"""

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from omnicrm.predict.interactions import positions
from omnicrm.predict.recommend import RECENT_DAYS, Recommender

TARGETS = {
    "sku": "SELECT id FROM products WHERE sku = $value",
    "brand": "SELECT id FROM products WHERE brand = $value",
    "category": """SELECT id FROM products
                   WHERE category = $value OR starts_with(category, $value || '/')""",
}


@dataclass(frozen=True, slots=True)
class Target:
    kind: str
    value: str

    def __post_init__(self) -> None:
        if self.kind not in TARGETS:
            raise ValueError(f"unknown target {self.kind!r}: one of {sorted(TARGETS)}")
        if not self.value.strip():
            raise ValueError(f"{self.kind} must not be empty")


def target_of(sku: str | None, brand: str | None, category: str | None) -> Target:
    """Exactly one of the three."""
    given = [(k, v) for k, v in (("sku", sku), ("brand", brand), ("category", category)) if v]
    if len(given) != 1:
        raise ValueError("give exactly one of sku, brand or category")
    return Target(*given[0])


def _items(model: Recommender, con: duckdb.DuckDBPyConnection, target: Target) -> np.ndarray:
    ids = con.execute(TARGETS[target.kind], {"value": target.value}).fetchnumpy()["id"]
    if not len(ids):
        raise ValueError(f"no product with {target.kind} {target.value!r}")
    pos, known = positions(np.sort(ids.astype(np.int64)), model.interactions.products)
    if not known.any():
        raise ValueError(
            f"the model was fitted before any product of {target.kind} {target.value!r}"
        )
    return pos[known]


def buyers_for(
    model: Recommender,
    con: duckdb.DuckDBPyConnection,
    sku: str | None = None,
    brand: str | None = None,
    category: str | None = None,
    n: int | None = 1000,
    recent_days: int = RECENT_DAYS,
) -> pa.Table:
    """``customer_id`` and ``score``, best first (ties by id), at most ``n`` (None: everyone)."""
    if n is not None and n < 1:
        raise ValueError("n must be at least 1")
    items = _items(model, con, target_of(sku, brand, category))
    score = np.asarray(model.scorer.affinity(items), dtype=np.float64)  # type: ignore[attr-defined]
    inter = model.interactions
    recent = inter.matrix.copy()
    recent.data = ((inter.last_days < recent_days) & np.isin(inter.matrix.indices, items)).astype(
        np.float32
    )
    eligible = np.flatnonzero(np.asarray(recent.sum(axis=1)).ravel() == 0)
    order = eligible[np.lexsort((inter.customers[eligible], -score[eligible]))][:n]
    return pa.table({"customer_id": inter.customers[order], "score": score[order]})


@dataclass(frozen=True, slots=True)
class BuyersAudience:
    """What an audience snapshot stores: a name and the member ids, unique and ascending."""

    name: str
    members: np.ndarray


def audience(buyers: pa.Table, target: Target) -> BuyersAudience:
    members = np.unique(buyers.column("customer_id").to_numpy().astype(np.int64))
    return BuyersAudience(f"likely buyers of {target.kind} {target.value}", members)
