"""Web and app orders (web_orders.jsonl / app_orders.jsonl): one nested object per order.

Both share one builder; they differ in who the customer looks like to the shop (cookie and web
form vs device id and the app's account) and in the time zone of ``created_at`` (the web shop logs
Moscow time, the app the phone's local time).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth import names
from omnicrm.synth.channels.common import (
    card_text,
    gather_lines,
    lists,
    local_ids,
    person_ids,
    skus,
    slots,
    struct,
)
from omnicrm.synth.channels.fulfilment import (
    CLICK_COLLECT,
    COURIER,
    DELIVERY_TYPES,
    PICKUP_POINT,
    Fulfilment,
    fulfil,
)
from omnicrm.synth.formats import concat, decimal_rubles, iso_ts, null_where, pick, where
from omnicrm.synth.noise import email_as, phone_as, random_phone_styles, spelled, spelling
from omnicrm.synth.population import APP, WEB
from omnicrm.synth.rhythm import PROMOTIONS
from omnicrm.synth.schema import APP as APP_SPEC
from omnicrm.synth.schema import WEB as WEB_SPEC
from omnicrm.synth.world import Chunk, Part

UTM_SOURCES = ("yandex", "google", "vk", "email", "telegram", "admitad")
UTM_MEDIUMS = ("cpc", "cpc", "social", "email", "messenger", "cpa")
GENERIC_CAMPAIGNS = ("brand", "retargeting", "catalog", "new_collection")
_WEB_PHONE_STYLES = (0.35, 0.25, 0.1, 0.2, 0.05, 0.05)


def web_part(ch: Chunk) -> Part:
    return _orders_part(ch, WEB, "W")


def app_part(ch: Chunk) -> Part:
    return _orders_part(ch, APP, "A")


def _orders_part(ch: Chunk, channel: int, prefix: str) -> Part:
    rng, o, p = ch.rng, ch.orders, ch.people
    is_web = channel == WEB
    sel = np.flatnonzero(o.channel == channel)
    n = len(sel)
    person = o.person[sel]
    ref = local_ids(prefix, ch, n)
    ful = fulfil(ch, sel, ref, p_prepaid=0.8 if is_web else 0.93, kinds_p=(0.4, 0.3, 0.3))
    ch.extras.setdefault("fulfilment", []).append((ful, person))
    off = np.full(n, 3) if is_web else ful.offset_h

    # Customer as the shop sees it.
    signed_in = rng.random(n) < (0.55 if is_web else 0.9)
    email = null_where(
        ~signed_in & (rng.random(n) < 0.3), email_as(p.email.take(pa.array(person)), rng, 0.3)
    )
    styles = random_phone_styles(rng, n, _WEB_PHONE_STYLES) if is_web else np.full(n, 3)
    phone = null_where(rng.random(n) < 0.05, phone_as(p.phone[person], styles))
    cookie = where(
        rng.random(n) < 0.75, p.cookie.take(pa.array(person)), p.cookie2.take(pa.array(person))
    )
    card_shown = (
        p.member[person]
        & (p.card_issued_s[person] <= o.ts[sel])
        & (rng.random(n) < (0.5 if is_web else 0.85))
    )
    customer = struct(
        {
            "email": email,
            "phone": phone,
            "name": _display_name(rng, ch, person),
            "cookie": cookie if is_web else pa.nulls(n, pa.string()),
            "device_id": pa.nulls(n, pa.string()) if is_web else p.device_id.take(pa.array(person)),
            "card_no": card_text(np.where(card_shown, p.card_no[person], 0)),
        }
    )
    ch.extras[f"{prefix}_sessions"] = (sel, person, cookie, signed_in, email)

    lines, offsets = gather_lines(ch, sel)
    items = lists(
        offsets,
        struct(
            {
                "line_no": pa.array(o.line_no()[lines]),
                "sku": skus(ch, o.sku[lines]),
                "qty": pa.array(o.qty[lines]),
                "price": decimal_rubles(o.price[lines]),
                "discount": decimal_rubles(o.discount[lines]),
            }
        ),
    )
    total = o.totals()[sel] + ful.cost
    utm = _utm(rng, ch, sel, is_web)
    ch.extras[f"{prefix}_utm"] = utm
    table = pa.table(
        {
            "order_id": ref,
            "created_at": iso_ts(o.ts[sel], off),
            "customer": customer,
            "utm": utm,
            "items": items,
            "payments": _payments(rng, total, ful, p.points_user[person] & card_shown),
            "delivery": _delivery(ch, ful, person),
            "status_history": _history(o.ts[sel], ful, off),
        }
    )
    return Part(WEB_SPEC if is_web else APP_SPEC, table, n, ref, person_ids(ch, person))


def _display_name(rng: np.random.Generator, ch: Chunk, person: np.ndarray) -> pa.Array:
    """``Анна Иванова``, sometimes ``Anna Ivanova``, a typo, or surname first."""
    p, n = ch.people, len(person)
    fn, sn = names.first_names(), names.surnames()
    style = spelling(rng, n, 0.12, 0.04)
    first = spelled((fn.cyr, fn.lat, fn.typo), p.first[person], style)
    last = spelled((sn.cyr, sn.lat, sn.typo), p.last[person], style)
    reverse = rng.random(n) < 0.1
    full = where(reverse, concat(last, " ", first), concat(first, " ", last))
    return where(rng.random(n) < 0.08, first, full)


def _utm(rng: np.random.Generator, ch: Chunk, sel: np.ndarray, is_web: bool) -> pa.Array:
    n = len(sel)
    src = rng.integers(0, len(UTM_SOURCES), n)
    day_promo = ch.world.cal.promo_id[ch.orders.day[sel]].max(axis=1)
    camp_names = pa.array([pr.name for pr in PROMOTIONS] + list(GENERIC_CAMPAIGNS))
    campaign = np.where(
        day_promo >= 0, day_promo, len(PROMOTIONS) + rng.integers(0, len(GENERIC_CAMPAIGNS), n)
    )
    if is_web:
        none = rng.random(n) < 0.35
        source, medium = pick(pa.array(UTM_SOURCES), src), pick(pa.array(UTM_MEDIUMS), src)
    else:
        none = rng.random(n) < 0.8
        source, medium = pa.array(["push"] * n, pa.string()), pa.array(["push"] * n, pa.string())
    return struct(
        {"source": source, "medium": medium, "campaign": pick(camp_names, campaign)}, null=none
    )


def _payments(
    rng: np.random.Generator, total: np.ndarray, ful: Fulfilment, may_points: np.ndarray
) -> pa.Array:
    n = len(total)
    points = np.where(
        may_points & (rng.random(n) < 0.3) & (total >= 20_000),
        total * rng.uniform(0.05, 0.3, n) // 100 * 100,
        0,
    )
    gift = np.where(ful.prepaid & (rng.random(n) < 0.03), np.minimum(total - points, 200_000), 0)
    main = total - points - gift
    amounts = np.stack(
        [
            np.where(points > 0, points, -1),
            np.where(gift > 0, gift, -1),
            np.where(main > 0, main, -1),
        ],
        axis=1,
    )
    row, col, offsets = slots(amounts)
    method_of = np.array(["points", "gift_card", "card"], dtype=object)
    method = method_of[col]
    method[(col == 2) & ~ful.prepaid[row]] = "cash"
    entries = struct(
        {
            "method": pa.array(method.astype(str), pa.string()),
            "amount": decimal_rubles(amounts[row, col]),
        }
    )
    return lists(offsets, entries)


def _delivery(ch: Chunk, ful: Fulfilment, person: np.ndarray) -> pa.Array:
    codes = pa.array(ch.world.net.code)
    return struct(
        {
            "type": pick(pa.array(DELIVERY_TYPES), ful.kind),
            "store_code": null_where(
                ful.kind != CLICK_COLLECT, pick(codes, np.maximum(ful.store, 0))
            ),
            "pickup_point": null_where(
                ful.kind != PICKUP_POINT, pick(codes, np.maximum(ful.pickup_point, 0))
            ),
            "address": null_where(ful.kind != COURIER, ch.people.address.take(pa.array(person))),
            "cost": decimal_rubles(ful.cost),
        }
    )


def _history(created: np.ndarray, ful: Fulfilment, off: np.ndarray) -> pa.Array:
    """Statuses the shop itself records, in time order."""
    times = np.stack([created, ful.paid_at, ful.cancelled_at], axis=1)
    # Paid after cancellation never happens: the shop voids the payment instead.
    times[:, 1] = np.where(
        (ful.cancelled_at >= 0) & (ful.paid_at > ful.cancelled_at), -1, times[:, 1]
    )
    row, col, offsets = slots(times)
    order = np.lexsort((times[row, col], row))
    row, col = row[order], col[order]
    status = pick(pa.array(["created", "paid", "cancelled"]), col)
    return lists(offsets, struct({"status": status, "at": iso_ts(times[row, col], off[row])}))
