"""Automated segmentation (A2): k-means on RFM and behaviour features, k chosen by silhouette, each
cluster named by what distinguishes it (``cluster_names``); sub-segments inside an RFM segment.

Features per customer over the ``window_days`` before ``as_of`` (``FEATURES``): recency, frequency,
monetary, average receipt, items per order, online share, discount share, root categories bought.
The counts and sums are heavy-tailed, so they are taken as ``log1p`` before every feature is
standardised (mean 0, deviation 1). k: for each k in 3..10 k-means (k-means++, 4 starts) is fitted
on a sample of at most ``fit_sample`` customers and scored by the mean silhouette on a sample of
at most ``score_sample`` of them; the highest silhouette wins (ties: the smaller k). Everyone is
then assigned to the nearest centre. Sub-segments: the same over the customers of one RFM segment
(``analytics.segments``, scored over the same window).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from omnicrm.analytics.segments import SEGMENTS, score_steps, segment_table
from omnicrm.analytics.steps import run_steps
from omnicrm.predict.cluster_names import Description, name_all

FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "avg_receipt",
    "items_per_order",
    "online_share",
    "discount_share",
    "categories",
]
LOGGED = np.array([f in {"recency_days", "frequency", "monetary", "avg_receipt"} for f in FEATURES])
ONLINE = ["web", "app", "marketplace"]
K_RANGE = range(3, 11)

FEATURE_SQL = """
    WITH o AS (SELECT customer, id, placed_at, total_minor, discount_minor, items, channel
               FROM purchases
               WHERE customer IS NOT NULL AND placed_at >= $since AND placed_at < $until),
    roots AS (SELECT o.customer, count(DISTINCT split_part(p.category, '/', 1)) AS categories
              FROM o JOIN order_lines l ON l.order_id = o.id
              JOIN products p ON p.id = l.product_id GROUP BY o.customer)
    SELECT o.customer, date_diff('day', max(o.placed_at), $until) AS recency_days,
           count(*) AS frequency, sum(o.total_minor) AS monetary,
           avg(o.total_minor) AS avg_receipt, avg(o.items) AS items_per_order,
           avg(CAST(list_contains($online, o.channel) AS DOUBLE)) AS online_share,
           coalesce(sum(o.discount_minor) / nullif(sum(o.total_minor + o.discount_minor), 0), 0)
               AS discount_share,
           coalesce(max(r.categories), 0) AS categories
    FROM o LEFT JOIN roots r ON r.customer = o.customer
    GROUP BY o.customer ORDER BY o.customer"""


@dataclass(frozen=True, slots=True)
class ClusterModel:
    """Centres in standardised space with the transform that gets there, and their names."""

    centres: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    silhouettes: dict[int, float]
    descriptions: list[Description]
    since: datetime
    until: datetime
    segment: str | None = None

    @property
    def k(self) -> int:
        return len(self.centres)

    def standardise(self, raw: np.ndarray) -> np.ndarray:
        return (np.where(LOGGED, np.log1p(np.maximum(raw, 0)), raw) - self.mean) / self.std

    def assign(self, raw: np.ndarray) -> np.ndarray:
        """The nearest centre of each row of raw features."""
        x = self.standardise(raw)
        d = (x**2).sum(1)[:, None] - 2 * x @ self.centres.T + (self.centres**2).sum(1)[None, :]
        return d.argmin(axis=1)


def features(
    con: duckdb.DuckDBPyConnection, since: datetime, until: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """Customer ids (ascending) and their raw features (``FEATURES`` order)."""
    found = con.execute(
        FEATURE_SQL, {"since": since, "until": until, "online": ONLINE}
    ).fetchnumpy()
    raw = np.column_stack([np.asarray(found[f], dtype=np.float64) for f in FEATURES])
    return found["customer"].astype(np.int64), raw


def choose_k(
    x: np.ndarray, seed: int = 0, fit_sample: int = 20_000, score_sample: int = 4_000
) -> tuple[np.ndarray, dict[int, float]]:
    """The centres of the k with the best silhouette (module docstring), and every k's score."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(seed)
    fit = x[rng.choice(len(x), fit_sample, replace=False)] if len(x) > fit_sample else x
    scored = min(score_sample, len(fit))
    ks = [k for k in K_RANGE if k < len(fit)]
    if not ks:
        raise ValueError(f"{len(x)} customers are too few to cluster (need at least 4)")
    best: tuple[float, np.ndarray] | None = None
    scores: dict[int, float] = {}
    for k in ks:
        km = KMeans(k, n_init=4, random_state=seed).fit(fit)
        if len(set(km.labels_)) < 2:
            continue
        scores[k] = float(silhouette_score(fit, km.labels_, sample_size=scored, random_state=seed))
        if best is None or scores[k] > best[0]:
            best = (scores[k], km.cluster_centers_)
    if best is None:
        raise ValueError("the customers' features do not vary: nothing to cluster")
    return best[1], scores


def _fit(
    ids: np.ndarray, raw: np.ndarray, since: datetime, until: datetime, segment: str | None
) -> tuple[ClusterModel, pa.Table]:
    logged = np.where(LOGGED, np.log1p(np.maximum(raw, 0)), raw)
    mean, std = logged.mean(axis=0), logged.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    centres, scores = choose_k((logged - mean) / std)
    label = ClusterModel(centres, mean, std, scores, [], since, until).assign(raw)
    k = len(centres)
    means = np.stack([raw[label == c].mean(axis=0) for c in range(k)])
    z = (np.stack([logged[label == c].mean(axis=0) for c in range(k)]) - mean) / std
    names = name_all(FEATURES, z, means, raw.mean(axis=0))
    model = ClusterModel(centres, mean, std, scores, names, since, until, segment)
    return model, pa.table(
        {
            "customer_id": ids,
            "cluster": label.astype(np.int32),
            "name_ru": [names[c].name_ru for c in label],
            "name_en": [names[c].name_en for c in label],
        }
    )


def fit_clusters(
    con: duckdb.DuckDBPyConnection, as_of: datetime, window_days: int = 365
) -> tuple[ClusterModel, pa.Table]:
    """Cluster every customer who bought in the window: the model and one row per customer."""
    since = as_of - timedelta(days=window_days)
    ids, raw = features(con, since, as_of)
    return _fit(ids, raw, since, as_of, None)


def fit_subsegments(
    con: duckdb.DuckDBPyConnection, as_of: datetime, segment: str, window_days: int = 365
) -> tuple[ClusterModel, pa.Table]:
    """Sub-segments of one RFM segment: the segment's customers clustered alone."""
    if segment not in SEGMENTS:
        raise ValueError(f"unknown RFM segment {segment!r}: one of {list(SEGMENTS)}")
    since = as_of - timedelta(days=window_days)
    con.register("rfm_grid", segment_table())
    try:
        run_steps(con, score_steps("purchases", "sub"), {"since": since, "until": as_of})
    finally:
        con.unregister("rfm_grid")
    members = con.execute(
        "SELECT customer FROM sub_segments WHERE segment = $segment ORDER BY customer",
        {"segment": segment},
    ).fetchnumpy()["customer"]
    ids, raw = features(con, since, as_of)
    keep = np.isin(ids, members)
    return _fit(ids[keep], raw[keep], since, as_of, segment)
