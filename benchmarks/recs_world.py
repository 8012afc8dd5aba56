"""A synthetic analytics snapshot with planted taste and planted behaviour groups, written straight
into DuckDB (no store, no import), for the recommendation and cluster benchmark and tests.

Products: ``categories`` leaf categories under four roots, ``per_category`` SKUs each, 30 brands.
Every customer has two favourite categories; each order line is from one of them with probability
``taste``, else from any category, and inside a category a SKU is drawn by a Zipf-like popularity
(so popularity is a fair baseline and taste is what a model can add). Each customer belongs to one
of ``groups`` behaviour groups (``GROUPS``: purchase rate, receipt size, online share, discount
share), the planted clusters.
"""

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa

GROUPS = (
    # orders per year, receipt multiplier, share online, discount share
    (1.0, 1.0, 0.05, 0.0),
    (14.0, 1.0, 0.1, 0.02),
    (3.0, 8.0, 0.1, 0.0),
    (3.0, 1.0, 0.9, 0.3),
)
DAYS = 420
AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def _products(categories: int, per_category: int) -> pa.Table:
    n = categories * per_category
    ids = np.arange(1, n + 1)
    cat = (ids - 1) // per_category
    return pa.table(
        {
            "id": ids,
            "sku": [f"SKU{i:07d}" for i in ids],
            "name": [f"Product {i}" for i in ids],
            "category_id": cat + 1,
            "category": [f"Root{c % 4}/Cat{c}" for c in cat],
            "brand": [f"Brand{(i * 7) % 30}" for i in ids],
        }
    )


def build(
    db: duckdb.DuckDBPyConnection,
    customers: int,
    as_of: datetime,
    seed: int = 0,
    groups: int = 1,
    categories: int = 20,
    per_category: int = 50,
    taste: float = 0.7,
) -> dict[str, np.ndarray]:
    """Fill the snapshot's tables; returns the ground truth (``favourites``, ``group``)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, customers + 1, dtype=np.int64)
    favourites = np.sort(rng.random((customers, categories)).argsort(axis=1)[:, :2], axis=1)
    group = rng.integers(0, groups, customers)
    rate, receipt, online, discount = (np.array(col)[group] for col in zip(*GROUPS, strict=True))
    n_orders = 1 + rng.poisson(rate * DAYS / 365)
    owner = np.repeat(np.arange(customers), n_orders)
    o = len(owner)
    order_ids = np.arange(1, o + 1, dtype=np.int64)
    placed = np.datetime64(as_of.replace(tzinfo=None), "s") - (rng.random(o) * DAYS * 86400).astype(
        "timedelta64[s]"
    )
    n_lines = 1 + rng.binomial(2, 0.5, o)
    line_order = np.repeat(np.arange(o), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    who = owner[line_order]
    loved = favourites[who, rng.integers(0, 2, len(who))]
    cat = np.where(rng.random(len(who)) < taste, loved, rng.integers(0, categories, len(who)))
    weights = 1.0 / np.arange(1, per_category + 1) ** 1.1
    within = rng.choice(per_category, len(who), p=weights / weights.sum())
    product = 1 + cat * per_category + (within * 7 + cat * 3) % per_category
    price = 50_000 + (product * 7919) % 300_000
    amount = (price * receipt[who]).astype(np.int64)
    line_discount = (amount * discount[who]).astype(np.int64)
    total = np.bincount(line_order, weights=amount - line_discount, minlength=o).astype(np.int64)
    disc = np.bincount(line_order, weights=line_discount, minlength=o).astype(np.int64)
    channel = np.where(rng.random(o) < online[owner], "web", "pos")
    db.register("w_products", _products(categories, per_category))
    db.register(
        "w_orders",
        pa.table(
            {
                "id": order_ids,
                "customer_id": ids[owner],
                "channel": channel,
                "placed_at": pa.array(placed, pa.timestamp("s")).cast(pa.timestamp("s", "UTC")),
                "total_minor": total,
                "discount_minor": disc,
                "items": n_lines,
                "lines": n_lines,
            }
        ),
    )
    db.register(
        "w_lines",
        pa.table(
            {
                "order_id": order_ids[line_order],
                "line_no": line_no,
                "product_id": product,
                "amount_minor": amount - line_discount,
                "discount_minor": line_discount,
            }
        ),
    )
    db.execute("INSERT INTO products BY NAME SELECT * FROM w_products")
    db.execute(
        """INSERT INTO customers (id, resolved_id, created_at)
           SELECT i, i, $start FROM range(1, $n + 1) t(i)""",
        {"n": customers, "start": as_of - timedelta(days=DAYS)},
    )
    db.execute("INSERT INTO people (id) SELECT i FROM range(1, $n + 1) t(i)", {"n": customers})
    db.execute(
        """INSERT INTO orders BY NAME
           SELECT *, 'completed' AS status, 0 AS points_minor, false AS cancelled,
                  true AS fulfilled FROM w_orders"""
    )
    db.execute("INSERT INTO order_lines BY NAME SELECT *, 1 AS qty FROM w_lines")
    for name in ("w_products", "w_orders", "w_lines"):
        db.unregister(name)
    return {"favourites": favourites, "group": group}
