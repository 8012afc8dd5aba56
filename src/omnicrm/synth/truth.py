"""The buying model's ground truth per person (``ground_truth_people.csv``), so that churn, CLV and
recommendation models can be scored against what really drove the data.

- ``joined_on``: the first day the person could buy (the period's first day for existing customers);
- ``dropped_out_on``: the day of the purchase after which the person dropped out (BG/NBD: each
  purchase ends the person's life with probability ``p_drop``); they buy nothing after it. Empty:
  still active when the period ends (or never bought in it);
- ``purchases_per_year``: lambda, the Poisson purchase rate while active;
- ``p_drop``: the drop-out probability after each purchase;
- ``favourite_categories``: the root categories (``|``-separated, as in ``products.category_path``)
  that ``behaviour.TASTE_SHARE`` of the person's lines come from.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.formats import iso_date, null_where, pick
from omnicrm.synth.world import Chunk


def people_truth(ch: Chunk) -> pa.Table:
    """One row per person of the chunk, in person order."""
    people, orders = ch.people, ch.orders
    n = len(people)
    last_day = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_day, orders.person, orders.day)
    dropped = orders.dropped & (last_day >= 0)
    day0 = ch.world.start_s // 86400
    roots = pa.array(ch.world.cat.roots)
    first, second = people.fav_roots[:, 0], people.fav_roots[:, 1]
    favourite = pc.binary_join_element_wise(pick(roots, first), pick(roots, second), "|")
    favourite = pc.if_else(pa.array(first == second), pick(roots, first), favourite)
    return pa.table(
        {
            "person_id": people.person_id,
            "joined_on": iso_date(day0 + people.join_day),
            "dropped_out_on": null_where(~dropped, iso_date(day0 + np.maximum(last_day, 0))),
            "purchases_per_year": pc.cast(pa.array(np.round(people.lam, 3)), pa.string()),
            "p_drop": pc.cast(pa.array(np.round(people.p_drop, 4)), pa.string()),
            "favourite_categories": favourite,
        }
    )
