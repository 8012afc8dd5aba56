"""The logistics status feed (delivery_status.csv) and online returns (returns.csv).

Both are derived from the fulfilment of web, app and call-centre orders collected in the chunk.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth.channels.common import person_ids, store_codes
from omnicrm.synth.channels.fulfilment import (
    CARRIERS,
    CLICK_COLLECT,
    FEED_STATUSES,
    OWN_CARRIER,
    Fulfilment,
)
from omnicrm.synth.formats import concat, digits, iso_ts, null_where, pick
from omnicrm.synth.schema import DELIVERY, RETURNS
from omnicrm.synth.world import Chunk, Part

REASONS = (
    "Не подошёл размер",
    "Брак",
    "Передумал",
    "Не соответствует описанию",
    "Не понравился цвет",
)
_DAY = 86400


def _collected(ch: Chunk) -> tuple[Fulfilment, np.ndarray, pa.Array]:
    fs: list[tuple[Fulfilment, np.ndarray]] = ch.extras.get("fulfilment", [])  # type: ignore[assignment]
    keys = (
        "order",
        "kind",
        "store",
        "pickup_point",
        "cost",
        "prepaid",
        "paid_at",
        "cancelled_at",
        "carrier",
        "offset_h",
    )
    merged = Fulfilment(
        ref=pa.concat_arrays([f.ref for f, _ in fs]),
        feed=np.concatenate([f.feed for f, _ in fs]),
        **{k: np.concatenate([getattr(f, k) for f, _ in fs]) for k in keys},
    )
    person = np.concatenate([pp for _, pp in fs])
    return merged, person, merged.ref


def delivery_part(ch: Chunk) -> Part:
    ful, person, ref = _collected(ch)
    row, col = np.nonzero(ful.feed >= 0)
    at_s = ful.feed[row, col]
    order = np.lexsort((col, at_s))
    row, col, at_s = row[order], col[order], at_s[order]
    at = iso_ts(at_s, ful.offset_h[row])
    carriers = pa.array([*CARRIERS, OWN_CARRIER])
    carrier = np.where(ful.carrier[row] < 0, len(CARRIERS), ful.carrier[row])
    status = pick(pa.array(FEED_STATUSES), col)
    order_ref = ref.take(pa.array(row))
    table = pa.table(
        {
            "order_ref": order_ref,
            "status": status,
            "at": at,
            "carrier": pick(carriers, carrier),
            "pickup_point": null_where(
                ful.pickup_point[row] < 0, store_codes(ch, np.maximum(ful.pickup_point[row], 0))
            ),
        }
    )
    key = concat(order_ref, "/", status, "/", at)
    return Part(DELIVERY, table, len(row), key, person_ids(ch, person[row]))


def returns_part(ch: Chunk) -> Part:
    rng, o = ch.rng, ch.orders
    ful, person, ref = _collected(ch)
    handed = ful.handed_over_at
    got = np.flatnonzero(handed >= 0)
    lo, hi = o.line_lo[ful.order[got]], o.line_lo[ful.order[got] + 1]
    counts = hi - lo
    ends = np.cumsum(counts)
    lines = np.repeat(lo - ends + counts, counts) + np.arange(int(ends[-1]) if len(ends) else 0)
    of = np.repeat(got, counts)  # index into ful
    root = ch.world.cat.root[o.sku[lines]]
    back = rng.random(len(lines)) < np.where(root <= 1, 0.12, 0.04)
    lines, of = lines[back], of[back]
    orders_back = np.unique(of)
    when = handed[orders_back] + rng.integers(_DAY, 14 * _DAY, len(orders_back))
    ok = when <= ch.world.end_s
    orders_back, when = orders_back[ok], when[ok]
    keep = np.isin(of, orders_back)
    lines, of = lines[keep], of[keep]
    r_idx = np.searchsorted(orders_back, of)
    qty = o.qty[lines]
    r_qty = np.where((qty > 1) & (rng.random(len(lines)) < 0.4), 1, qty)
    amount = r_qty * o.price[lines] - o.discount[lines] * r_qty // qty
    in_store = (ful.kind[orders_back] == CLICK_COLLECT) | (rng.random(len(orders_back)) < 0.25)
    store = np.where(
        ful.kind[orders_back] == CLICK_COLLECT,
        ful.store[orders_back],
        ch.people.home_store[person[orders_back]],
    )
    # Return ids in time order.
    t_order = np.argsort(when, kind="stable")
    rank = np.empty(len(when), dtype=np.int64)
    rank[t_order] = np.arange(len(when))
    return_id = concat("R", digits(np.full(len(when), ch.index), 3), digits(rank + 1, 7))
    line_no = lines - o.line_lo[ful.order[of]] + 1
    rows = np.lexsort((line_no, rank[r_idx]))
    table = pa.table(
        {
            "return_id": return_id.take(pa.array(r_idx)),
            "order_ref": ref.take(pa.array(of)),
            "line_no": pa.array(line_no),
            "qty": pa.array(r_qty),
            "amount_minor": pa.array(amount),
            "reason": pick(pa.array(REASONS), rng.integers(0, len(REASONS), len(lines))),
            "returned_at": iso_ts(when[r_idx], ful.offset_h[of]),
            "store_code": null_where(~in_store[r_idx], store_codes(ch, store[r_idx])),
        }
    ).take(pa.array(rows))
    return Part(
        RETURNS,
        table,
        len(when),
        return_id.take(pa.array(t_order)),
        person_ids(ch, person[orders_back[t_order]]),
    )
