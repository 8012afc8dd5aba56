"""The customer x product implicit-feedback matrix, read from the analytics snapshot.

A cell is the number of distinct (non-cancelled) orders of a resolved customer that contain the
product in ``[since, until)``; beside it, aligned with the CSR's ``data``, the whole days (24 h)
from the customer's last purchase of it to ``until`` (what "just bought" is measured with). Rows
are the customers who bought in the window, ascending; columns are every product of the
catalogue, ascending by id, so that two windows (a time split's train and test) share one map.
"""

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import scipy.sparse as sp

CELLS = """SELECT o.customer, l.product_id, count(DISTINCT o.id) AS orders,
                  min(date_diff('second', o.placed_at, $until)) // 86400 AS last_days
           FROM purchases o JOIN order_lines l ON l.order_id = o.id
           WHERE o.customer IS NOT NULL AND l.qty > 0
             AND o.placed_at >= $since AND o.placed_at < $until
           GROUP BY ALL ORDER BY 1, 2"""

CATALOGUE = "SELECT id, sku FROM products ORDER BY id"


@dataclass(frozen=True, slots=True)
class Interactions:
    """One window's matrix and id maps: row i is ``customers[i]``, column j ``products[j]``."""

    matrix: sp.csr_matrix
    last_days: np.ndarray
    customers: np.ndarray
    products: np.ndarray
    skus: np.ndarray
    since: datetime
    until: datetime

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.customers), len(self.products)


def catalogue(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """Product ids (ascending) and their SKUs."""
    found = con.execute(CATALOGUE).fetchnumpy()
    return found["id"].astype(np.int64), np.asarray(found["sku"], dtype=object)


def _cells(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime) -> dict:
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("since and until must be timezone-aware")
    if until <= since:
        raise ValueError(f"the window [{since}, {until}) is empty")
    return con.execute(CELLS, {"since": since, "until": until}).fetchnumpy()


def _csr(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    """A CSR from cells sorted by (row, column): ``data`` keeps their order."""
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((values, cols.astype(np.int32), indptr), shape=shape)


def positions(ids: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``ids`` in the ascending ``known`` and which of them are there."""
    pos = np.searchsorted(known, ids)
    found = pos < len(known)
    found[found] = known[pos[found]] == ids[found]
    return pos, found


def load(
    con: duckdb.DuckDBPyConnection,
    since: datetime,
    until: datetime,
    customers: np.ndarray | None = None,
    products: np.ndarray | None = None,
) -> Interactions:
    """The window's matrix; with ``customers``, on those rows only (others' purchases dropped);
    with ``products``, on those columns (a stored model's, whatever the catalogue holds now)."""
    cells = _cells(con, since, until)
    known_products, known_skus = catalogue(con)
    if products is None:
        products, skus = known_products, known_skus
    else:
        at, listed = positions(products, known_products)
        skus = np.where(listed, known_skus[np.minimum(at, len(known_products) - 1)], None)
    ids = cells["customer"].astype(np.int64)
    rows_of = np.unique(ids) if customers is None else customers
    row, keep = positions(ids, rows_of)
    col, known = positions(cells["product_id"].astype(np.int64), products)
    keep &= known
    shape = (len(rows_of), len(products))
    orders = cells["orders"].astype(np.float32)[keep]
    last = cells["last_days"].astype(np.int32)[keep]
    return Interactions(
        _csr(row[keep], col[keep], orders, shape), last, rows_of, products, skus, since, until
    )


def take_rows(interactions: Interactions, rows: np.ndarray) -> Interactions:
    """The same window over some of its customers (``rows`` ascending), ``last_days`` kept
    aligned with the CSR's cells."""
    m = interactions.matrix
    starts, counts = m.indptr[rows], np.diff(m.indptr)[rows]
    cells = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    return Interactions(
        m[rows],
        interactions.last_days[cells],
        interactions.customers[rows],
        interactions.products,
        interactions.skus,
        interactions.since,
        interactions.until,
    )


def time_split(
    con: duckdb.DuckDBPyConnection, since: datetime, cut: datetime, until: datetime
) -> tuple[Interactions, Interactions]:
    """Train on ``[since, cut)``, test on ``[cut, until)`` over the train's customers: what the
    holdout measures is how well the past predicts what the same people bought next."""
    if not since < cut < until:
        raise ValueError(f"need since < cut < until, got {since}, {cut}, {until}")
    train = load(con, since, cut)
    return train, load(con, cut, until, customers=train.customers)
