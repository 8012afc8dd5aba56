"""Web and app behaviour (web_events.jsonl / app_events.jsonl): sessions exploded into events.

Every web/app order is preceded by a session that views and carts its items and checks out;
people also browse without buying (some leave a cart behind), strangers browse anonymously,
and opened push messages show up in the app as ``push_open``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.catalog import TREE
from omnicrm.synth.channels.common import person_ids
from omnicrm.synth.channels.online import GENERIC_CAMPAIGNS, UTM_MEDIUMS, UTM_SOURCES
from omnicrm.synth.formats import concat, digits, hex_strings, iso_ts, null_where, pick, where
from omnicrm.synth.names import translit
from omnicrm.synth.noise import phone_as
from omnicrm.synth.population import WEB
from omnicrm.synth.schema import APP_EVENTS, WEB_EVENTS
from omnicrm.synth.world import Chunk, Part

# Event kinds in a session, in the order they happen.
OPEN, SEARCH, VIEW, CART, UNCART, CHECKOUT, PUSH = range(7)
WEB_TYPES = (
    "page_view",
    "search",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "",
)
APP_TYPES = (
    "app_open",
    "search",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "",
    "push_open",
)
_DAY, _H = 86400, 3600


@dataclass
class Sessions:
    """Sessions as arrays; ``skus[off[i]:off[i+1]]`` are the products session i looks at."""

    person: np.ndarray
    start: np.ndarray  # epoch s
    skus: np.ndarray
    off: np.ndarray
    carted: np.ndarray  # how many of the viewed products go to the cart
    checkout: np.ndarray
    search: np.ndarray


def _explode(
    rng: np.random.Generator, s: Sessions
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(session, kind, sku or -1, epoch s) of every event, sorted by session then sequence."""
    n = len(s.person)
    k = np.diff(s.off)
    prod_session = np.repeat(np.arange(n), k)
    j = np.arange(len(s.skus)) - np.repeat(s.off[:-1], k)
    carted = j < s.carted[prod_session]
    uncart = (s.carted > 0) & ~s.checkout & (rng.random(n) < 0.2)
    parts = [
        (np.arange(n), np.zeros(n), np.full(n, OPEN), np.full(n, -1)),
        (
            np.flatnonzero(s.search),
            np.ones(s.search.sum()),
            np.full(s.search.sum(), SEARCH),
            s.skus[s.off[:-1]][s.search],
        ),
        (prod_session, 2 + 2 * j, np.full(len(j), VIEW), s.skus),
        (prod_session[carted], 3 + 2 * j[carted], np.full(carted.sum(), CART), s.skus[carted]),
        (
            np.flatnonzero(uncart),
            np.full(uncart.sum(), 900),
            np.full(uncart.sum(), UNCART),
            s.skus[s.off[:-1]][uncart],
        ),
        (
            np.flatnonzero(s.checkout),
            np.full(s.checkout.sum(), 901),
            np.full(s.checkout.sum(), CHECKOUT),
            np.full(s.checkout.sum(), -1),
        ),
    ]
    session = np.concatenate([p[0] for p in parts])
    seq = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([p[2] for p in parts])
    sku = np.concatenate([p[3] for p in parts])
    order = np.lexsort((seq, session))
    session, kind, sku = session[order], kind[order], sku[order]
    gap = rng.integers(8, 110, len(session))
    first = np.r_[0, np.flatnonzero(session[1:] != session[:-1]) + 1]
    csum = np.cumsum(gap)
    base = np.repeat(csum[first] - gap[first], np.diff(np.r_[first, len(session)]))
    ts = s.start[session] + csum - base
    return session, kind, sku, ts


def _order_sessions(rng: np.random.Generator, ch: Chunk, key: str) -> Sessions:
    o = ch.orders
    sel, person, *_ = ch.extras[key]  # type: ignore[misc]
    lo, hi = o.line_lo[sel], o.line_lo[sel + 1]
    k = np.minimum(hi - lo, 2)
    off = np.r_[0, np.cumsum(k)]
    skus = o.sku[np.repeat(lo - off[:-1], k) + np.arange(off[-1])]
    start = o.ts[sel] - 65 * (2 * k + 3)
    return Sessions(
        person, start, skus, off, k, np.ones(len(sel), bool), rng.random(len(sel)) < 0.4
    )


def _browse_sessions(rng: np.random.Generator, ch: Chunk, who: np.ndarray, rate: float) -> Sessions:
    p, w, cat = ch.people, ch.world, ch.world.cat
    k = rng.poisson(rate, len(who))
    person = np.repeat(who, k)
    n = len(person)
    day = p.join_day[person] + (rng.random(n) * (w.cfg.n_days - p.join_day[person])).astype(
        np.int64
    )
    start = w.start_s + day * _DAY + rng.integers(7 * _H, 23 * _H, n) - 3 * _H
    views = 1 + rng.poisson(1.2, n)
    off = np.r_[0, np.cumsum(views)]
    root = np.repeat(p.fav_roots[person, 0], views) if n else np.zeros(0, np.int64)
    lo, hi = cat.root_lo[root], cat.root_hi[root]
    skus = lo + (rng.random(len(root)) * (hi - lo)).astype(np.int64)
    carted = np.where(rng.random(n) < 0.25, 1, 0)
    return Sessions(person, start, skus, off, carted, np.zeros(n, bool), rng.random(n) < 0.3)


def _leaf_queries(ch: Chunk) -> pa.Array:
    """The search query someone types for a SKU: its leaf category in lower case."""
    return pa.array([path.rsplit("/", 1)[1].lower() for path in ch.world.cat.category_path])


def web_events_part(ch: Chunk) -> Part:
    rng, p, w = ch.rng, ch.people, ch.world
    _, _, cookie, signed_in, email = ch.extras["W_sessions"]  # type: ignore[misc]
    orders = _order_sessions(rng, ch, "W_sessions")
    browsers = np.flatnonzero(np.diff(p.chan_cdf, axis=1, prepend=0)[:, WEB] > 0.08)
    browse = _browse_sessions(rng, ch, browsers, 0.5)
    n_anon = max(1, len(p) // 8)
    anon = _browse_sessions(rng, ch, rng.integers(0, len(p), n_anon), 1.0)
    n_o, n_b = len(orders.person), len(browse.person)
    allp = np.concatenate([orders.person, browse.person, anon.person])
    sess = Sessions(
        allp,
        np.concatenate([orders.start, browse.start, anon.start]),
        np.concatenate([orders.skus, browse.skus, anon.skus]),
        _join_offsets(orders.off, browse.off, anon.off),
        np.concatenate([orders.carted, browse.carted, anon.carted]),
        np.concatenate([orders.checkout, browse.checkout, anon.checkout]),
        np.concatenate([orders.search, browse.search, anon.search]),
    )
    m = len(allp)
    is_anon = np.arange(m) >= n_o + n_b
    s_cookie = pa.concat_arrays(
        [
            cookie,
            where(
                rng.random(n_b) < 0.75,
                p.cookie.take(pa.array(browse.person)),
                p.cookie2.take(pa.array(browse.person)),
            ),
            concat("c-", hex_strings(rng, len(anon.person), 10)),
        ]
    )
    browse_signed = rng.random(n_b) < 0.3
    s_email = pa.concat_arrays(
        [
            null_where(~np.asarray(signed_in), email),
            null_where(~browse_signed, p.email.take(pa.array(browse.person))),
            pa.nulls(len(anon.person), pa.string()),
        ]
    )
    session, kind, sku, ts = _explode(rng, sess)
    ts_order = np.argsort(ts, kind="stable")
    session, kind, sku, ts = session[ts_order], kind[ts_order], sku[ts_order], ts[ts_order]
    ts_ok = ts <= w.end_s
    session, kind, sku, ts = session[ts_ok], kind[ts_ok], sku[ts_ok], ts[ts_ok]
    n = len(session)
    has_sku = (kind == VIEW) | (kind == CART) | (kind == UNCART)
    landing = kind == OPEN
    utm = _session_utm(rng, ch, n_o, m - n_o)
    roots = pa.array(["/catalog/" + translit(r).lower() for r in TREE])
    url = _choose(
        kind,
        [
            where(rng.random(n) < 0.5, pa.scalar("/"), pick(roots, rng.integers(0, len(TREE), n))),
            concat("/search?q=", pick(_leaf_queries(ch), np.maximum(sku, 0))),
            concat("/p/", pick(pa.array(w.cat.sku), np.maximum(sku, 0))),
            pa.array(["/cart"] * n, pa.string()),
            pa.array(["/cart"] * n, pa.string()),
            pa.array(["/checkout"] * n, pa.string()),
        ],
    )
    eid = concat("we-", digits(np.full(n, ch.index), 3), digits(np.arange(1, n + 1), 8))
    table = pa.table(
        {
            "event_id": eid,
            "ts": iso_ts(ts, 3),
            "cookie": s_cookie.take(pa.array(session)),
            "type": pick(pa.array(WEB_TYPES), kind),
            "url": url,
            "sku": null_where(~has_sku, pick(pa.array(w.cat.sku), np.maximum(sku, 0))),
            "query": null_where(kind != SEARCH, pick(_leaf_queries(ch), np.maximum(sku, 0))),
            "utm_source": null_where(~landing, utm[0].take(pa.array(session))),
            "utm_medium": null_where(~landing, utm[1].take(pa.array(session))),
            "utm_campaign": null_where(~landing, utm[2].take(pa.array(session))),
            "email": s_email.take(pa.array(session)),
        }
    )
    own = ~is_anon[session]
    return Part(WEB_EVENTS, table, n, eid.filter(pa.array(own)), person_ids(ch, allp[session[own]]))


def app_events_part(ch: Chunk) -> Part:
    rng, p, w = ch.rng, ch.people, ch.world
    orders = _order_sessions(rng, ch, "A_sessions")
    users = np.flatnonzero(p.has_app)
    browse = _browse_sessions(rng, ch, users, 0.8)
    push_person, push_ts, _ = ch.extras["push_opens"]  # type: ignore[misc]
    n_push = len(push_person)
    allp = np.concatenate([orders.person, browse.person])
    sess = Sessions(
        allp,
        np.concatenate([orders.start, browse.start]),
        np.concatenate([orders.skus, browse.skus]),
        _join_offsets(orders.off, browse.off),
        np.concatenate([orders.carted, browse.carted]),
        np.zeros(len(allp), bool),  # the app's checkout is the order itself
        np.concatenate([orders.search, browse.search]),
    )
    session, kind, sku, ts = _explode(rng, sess)
    person = np.concatenate([allp[session], push_person])
    kind = np.concatenate([kind, np.full(n_push, PUSH)])
    sku = np.concatenate([sku, np.full(n_push, -1)])
    ts = np.concatenate([ts, push_ts])
    order = np.argsort(ts, kind="stable")
    order = order[ts[order] <= w.end_s]
    person, kind, sku, ts = person[order], kind[order], sku[order], ts[order]
    n = len(person)
    signed = rng.random(len(p)) < 0.7  # signed in to the app (per person)
    linked = p.member & (rng.random(len(p)) < 0.8) & signed
    has_sku = (kind == VIEW) | (kind == CART) | (kind == UNCART)
    eid = concat("ae-", digits(np.full(n, ch.index), 3), digits(np.arange(1, n + 1), 8))
    table = pa.table(
        {
            "event_id": eid,
            "ts": pa.array(ts * 1000 + rng.integers(0, 1000, n)),
            "device_id": p.device_id.take(pa.array(person)),
            "type": pick(pa.array(APP_TYPES), kind),
            "sku": null_where(~has_sku, pick(pa.array(w.cat.sku), np.maximum(sku, 0))),
            "query": null_where(kind != SEARCH, pick(_leaf_queries(ch), np.maximum(sku, 0))),
            "phone": null_where(~signed[person], phone_as(p.phone[person], 3)),
            "card_no": null_where(
                ~linked[person] | (p.card_issued_s[person] > ts), digits(p.card_no[person], 13)
            ),
        }
    )
    return Part(APP_EVENTS, table, n, eid, person_ids(ch, person))


def _session_utm(
    rng: np.random.Generator, ch: Chunk, n_orders: int, n_other: int
) -> list[pa.Array]:
    """Order sessions land with the order's UTM tags; other sessions with their own (or none)."""
    order_utm = ch.extras["W_utm"]  # type: ignore[assignment]
    src = rng.integers(0, len(UTM_SOURCES), n_other)
    none = rng.random(n_other) < 0.5
    camp = pick(pa.array(GENERIC_CAMPAIGNS), rng.integers(0, len(GENERIC_CAMPAIGNS), n_other))
    other = [
        null_where(none, pick(pa.array(UTM_SOURCES), src)),
        null_where(none, pick(pa.array(UTM_MEDIUMS), src)),
        null_where(none, camp),
    ]
    fields = order_utm.flatten()  # type: ignore[attr-defined]
    valid = np.asarray(order_utm.is_valid())  # type: ignore[attr-defined]
    return [
        pa.concat_arrays([null_where(~valid, f), o]) for f, o in zip(fields, other, strict=True)
    ]


def _join_offsets(*offs: np.ndarray) -> np.ndarray:
    out = [np.zeros(1, np.int64)]
    base = 0
    for off in offs:
        out.append(off[1:] + base)
        base += off[-1]
    return np.concatenate(out)


def _choose(kind: np.ndarray, options: list[pa.Array]) -> pa.Array:
    return pc.choose(pa.array(np.minimum(kind, len(options) - 1).astype(np.int8)), *options)
