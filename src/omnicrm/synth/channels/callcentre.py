"""Call-centre orders (call_centre_orders.csv): one row per line, typed by an operator.

The caller is known only by the number the PBX shows (``89162206393``) and the name as heard.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth import names
from omnicrm.synth.channels.common import gather_lines, local_ids, person_ids, skus, store_codes
from omnicrm.synth.channels.fulfilment import CLICK_COLLECT, COURIER, DELIVERY_TYPES, fulfil
from omnicrm.synth.formats import concat, iso_ts, null_where, pick, where
from omnicrm.synth.identifiers import mobile_phone
from omnicrm.synth.noise import phone_as, spelled, spelling
from omnicrm.synth.population import CALLC
from omnicrm.synth.schema import CALLCENTRE
from omnicrm.synth.world import Chunk, Part


def pbx_number(rng: np.random.Generator, ch: Chunk, person: np.ndarray) -> np.ndarray:
    """The caller's 10 digits; now and then a work phone nobody else knows."""
    other = mobile_phone(ch.people.gidx[person] + 500_000_000, ch.world.cfg.seed + 1)
    return np.where(rng.random(len(person)) < 0.05, other, ch.people.phone[person])


def callcentre_part(ch: Chunk) -> Part:
    rng, o, p = ch.rng, ch.orders, ch.people
    sel = np.flatnonzero(o.channel == CALLC)
    n = len(sel)
    person = o.person[sel]
    ref = local_ids("CC", ch, n)
    ful = fulfil(ch, sel, ref, p_prepaid=0.3, kinds_p=(0.6, 0.0, 0.4))
    ch.extras.setdefault("fulfilment", []).append((ful, person))
    caller = pbx_number(rng, ch, person)
    ch.extras["cc_calls"] = (ref, o.ts[sel], caller, person)

    fn, sn, pn = names.first_names(), names.surnames(), names.patronymics()
    style = np.where(rng.random(n) < 0.08, 2, 0).astype(np.int8)
    name = concat(
        spelled((sn.cyr, sn.lat, sn.typo), p.last[person], style),
        " ",
        spelled((fn.cyr, fn.lat, fn.typo), p.first[person], spelling(rng, n, 0.0, 0.05)),
    )
    with_middle = concat(name, " ", pn.cyr.take(pa.array(p.middle[person])))
    name = where(rng.random(n) < 0.5, with_middle, name)
    address = p.address.take(pa.array(person))
    address = where(rng.random(n) < 0.5, concat("г. ", address), address)

    lines, offsets = gather_lines(ch, sel)
    of = np.repeat(np.arange(n), np.diff(offsets))
    table = pa.table(
        {
            "order_ref": ref.take(pa.array(of)),
            "created_at": iso_ts(o.ts[sel][of], 3),
            "caller_number": phone_as(caller, 1).take(pa.array(of)),
            "customer_name": name.take(pa.array(of)),
            "delivery_type": pick(pa.array(DELIVERY_TYPES), ful.kind[of]),
            "store_code": null_where(
                ful.kind[of] != CLICK_COLLECT, store_codes(ch, np.maximum(ful.store[of], 0))
            ),
            "address": null_where(ful.kind[of] != COURIER, address.take(pa.array(of))),
            "line_no": pa.array(o.line_no()[lines]),
            "sku": skus(ch, o.sku[lines]),
            "qty": pa.array(o.qty[lines]),
            "price_minor": pa.array(o.price[lines]),
            "discount_minor": pa.array(o.discount[lines]),
        }
    )
    return Part(CALLCENTRE, table, n, ref, person_ids(ch, person))
