"""stock_levels.csv: each store's stock on hand of every SKU it sold, counted at the end of every
month, consistent with the POS sales the chunks made.

The rule (a plain periodic review): at the start of each month a store is topped up to its
order-up-to level of the SKU, ``S = (most units sold in a month) + SAFETY``, so the count at the
month's end is ``S - units sold that month`` and never negative; a store carries a SKU from the
first month it sold it. Returned goods are not put back on the shelf. Because the count depends on
every chunk's sales, the chunks hand back their monthly sales and the file is written last.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.config import SynthConfig
from omnicrm.synth.population import STORE
from omnicrm.synth.world import Chunk, World

SAFETY = 2


def month_of_day(cfg: SynthConfig) -> np.ndarray:
    """Month index (0 = the period's first month) of every period day."""
    days = [cfg.start + timedelta(days=d) for d in range(cfg.n_days)]
    first = cfg.start.year * 12 + cfg.start.month
    return np.array([d.year * 12 + d.month - first for d in days], np.int64)


def month_ends(cfg: SynthConfig) -> list[date]:
    """The count date of each month: its last day, or the period's last day."""
    ends = []
    for d in range(cfg.n_days):
        day = cfg.start + timedelta(days=d)
        if (day + timedelta(days=1)).month != day.month or d == cfg.n_days - 1:
            ends.append(day)
    return ends


def monthly_sales(ch: Chunk) -> pa.Table:
    """Units the chunk's store receipts sold per (store, sku, month)."""
    o = ch.orders
    line_order = o.line_order()
    in_store = o.channel[line_order] == STORE
    order = line_order[in_store]
    table = pa.table(
        {
            "store": o.store[order],
            "sku": o.sku[in_store],
            "month": month_of_day(ch.world.cfg)[o.day[order]],
            "units": o.qty[in_store].astype(np.int64),
        }
    )
    return table.group_by(["store", "sku", "month"]).aggregate([("units", "sum")])


def stock_table(world: World, sales: list[pa.Table]) -> pa.Table:
    """The month-end counts of every (store, sku) that sold, from the chunks' monthly sales."""
    ends = month_ends(world.cfg)
    summed = (
        pa.concat_tables(sales)
        .group_by(["store", "sku", "month"])
        .aggregate([("units_sum", "sum")])
        .sort_by([("store", "ascending"), ("sku", "ascending"), ("month", "ascending")])
    )
    store = summed.column("store").to_numpy()
    sku = summed.column("sku").to_numpy()
    month = summed.column("month").to_numpy()
    units = summed.column("units_sum_sum").to_numpy()
    pair, starts = np.unique(store * len(world.cat) + sku, return_index=True)
    pair_of_row = np.searchsorted(pair, store * len(world.cat) + sku)
    level = np.zeros(len(pair), np.int64)
    np.maximum.at(level, pair_of_row, units)
    level += SAFETY
    first_month = month[starts]
    span = len(ends) - first_month
    row_start = np.cumsum(span) - span
    row_pair = np.repeat(np.arange(len(pair)), span)
    row_month = np.arange(span.sum()) - row_start[row_pair] + first_month[row_pair]
    sold = np.zeros(len(row_pair), np.int64)
    sold[row_start[pair_of_row] + month - first_month[pair_of_row]] = units
    store_idx, sku_idx = store[starts][row_pair], sku[starts][row_pair]
    return pa.table(
        {
            "store_code": pc.take(pa.array(world.net.code), pa.array(store_idx)),
            "sku": pc.take(pa.array(world.cat.sku), pa.array(sku_idx)),
            "date": pa.array([ends[m].isoformat() for m in row_month], pa.string()),
            "qty_on_hand": pa.array(level[row_pair] - sold, pa.int64()),
        }
    )
