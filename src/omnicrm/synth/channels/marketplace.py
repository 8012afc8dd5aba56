"""Marketplace orders (marketplace_orders.csv, ``;``-delimited): what a marketplace tells a seller.

Only a buyer id, a masked phone and "first name + initial" identify the buyer; prices are per unit
after the marketplace's own discount, in rubles with a comma (``1 234,50``); times are Moscow time.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth import names
from omnicrm.synth.channels.common import gather_lines, person_ids, skus
from omnicrm.synth.formats import concat, digits, market_rubles, null_where, pick, ru_minute, where
from omnicrm.synth.noise import masked_phone
from omnicrm.synth.population import MARKET
from omnicrm.synth.schema import MARKETPLACE
from omnicrm.synth.world import Chunk, Part

_DAY = 86400


def marketplace_part(ch: Chunk) -> Part:
    rng, o, p = ch.rng, ch.orders, ch.people
    sel = np.flatnonzero(o.channel == MARKET)
    n = len(sel)
    person = o.person[sel]
    posting = concat(
        digits(np.full(n, ch.index), 3),
        digits(np.arange(1, n + 1), 6),
        "-",
        digits(rng.integers(0, 10_000, n), 4),
        "-1",
    )
    fn, sn = names.first_names(), names.surnames()
    latin = rng.random(n) < 0.1
    first = where(latin, pick(fn.lat, p.first[person]), pick(fn.cyr, p.first[person]))
    initial = where(latin, pick(sn.lat, p.last[person]), pick(sn.cyr, p.last[person]))
    buyer_name = concat(first, " ", pa.compute.utf8_slice_codeunits(initial, 0, 1), ".")
    courier = rng.random(n) < 0.25
    # Each buyer keeps to one or two of the marketplace's pickup points near home.
    pvz = 10_000 + p.gidx[person] % 7919 * 13 + rng.integers(0, 2, n)
    pickup = null_where(courier, concat("ПВЗ-", digits(pvz)))
    ts = o.ts[sel]
    waiting = ts > ch.world.end_s - rng.integers(1, 5, n) * _DAY
    cancelled = ~waiting & (rng.random(n) < 0.06)

    lines, offsets = gather_lines(ch, sel)
    of = np.repeat(np.arange(n), np.diff(offsets))
    unit = o.price[lines] - o.discount[lines] // o.qty[lines]
    root = ch.world.cat.root[o.sku[lines]]
    returned = (
        ~waiting[of] & ~cancelled[of] & (rng.random(len(lines)) < np.where(root <= 1, 0.1, 0.04))
    )
    status = np.select([waiting[of], cancelled[of], returned], [3, 1, 2], 0)
    table = pa.table(
        {
            "posting_number": posting.take(pa.array(of)),
            "order_date": ru_minute(ts, 3).take(pa.array(of)),
            "buyer_id": p.buyer_id.take(pa.array(person[of])),
            "buyer_phone": null_where(rng.random(n) < 0.1, masked_phone(p.phone[person])).take(
                pa.array(of)
            ),
            "buyer_name": buyer_name.take(pa.array(of)),
            "delivery_type": where(courier, "courier", "pickup_point").take(pa.array(of)),
            "pickup_point": pickup.take(pa.array(of)),
            "line_no": pa.array(o.line_no()[lines]),
            "offer_id": skus(ch, o.sku[lines]),
            "qty": pa.array(o.qty[lines]),
            "price": market_rubles(unit),
            "status": pick(
                pa.array(["delivered", "cancelled", "returned", "awaiting_delivery"]), status
            ),
        }
    )
    return Part(MARKETPLACE, table, n, posting, person_ids(ch, person))
