"""Purchases of one chunk of persons: when, through which channel, where, and what.

Counts follow BG/NBD: while alive a person buys as a Poisson process with rate lambda, and after
each purchase drops out with probability p, so the purchases kept are the first ``min(N, K)`` with
``K ~ Geometric(p)``: a person with ``K <= N`` has dropped out after their K-th purchase and buys
nothing after it (``Orders.dropped``, exported as ground truth by ``truth``). Times come from the
calendar's cumulative intensity (see ``rhythm``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnicrm.synth.catalog import Catalog
from omnicrm.synth.geography import Network
from omnicrm.synth.population import CALLC, STORE, People
from omnicrm.synth.rhythm import ONLINE_HOURS, STORE_HOURS, Calendar, hour_cdf

_DAY = 86400
# Mean extra lines per order (1 + Poisson) by channel: store, web, app, marketplace, call centre.
_EXTRA_LINES = np.array([1.75, 1.9, 1.6, 0.8, 1.3])
TASTE_SHARE = 0.45
"""Share of order lines drawn from one of the person's two favourite root categories."""


@dataclass
class Orders:
    """Orders sorted by time; lines of order i are ``line_lo[i]:line_lo[i + 1]``."""

    person: np.ndarray  # local person index
    channel: np.ndarray
    day: np.ndarray  # period day (local)
    ts: np.ndarray  # epoch seconds UTC
    store: np.ndarray  # network index of the store for in-store purchases, else -1
    line_lo: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    price: np.ndarray  # kopecks per unit
    discount: np.ndarray  # kopecks for the line
    promo: np.ndarray  # promotion index or -1
    dropped: np.ndarray  # per local person: dropped out after their last purchase of the period

    def __len__(self) -> int:
        return len(self.person)

    @property
    def n_lines(self) -> np.ndarray:
        return np.diff(self.line_lo)

    def line_order(self) -> np.ndarray:
        """Order index of every line."""
        return np.repeat(np.arange(len(self)), self.n_lines)

    def line_no(self) -> np.ndarray:
        """1-based line number inside its order."""
        return np.arange(len(self.sku)) - np.repeat(self.line_lo[:-1], self.n_lines) + 1

    def amount(self) -> np.ndarray:
        return self.qty * self.price - self.discount

    def totals(self) -> np.ndarray:
        return (
            np.add.reduceat(self.amount(), self.line_lo[:-1])
            if len(self)
            else np.zeros(0, np.int64)
        )


def purchase_times(
    rng: np.random.Generator, people: People, cal: Calendar
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, period day) of every purchase, grouped by person and in time order, and per
    person whether they dropped out (their drop-out came before the period's purchases ran out)."""
    c0 = np.concatenate([[0.0], cal.cumulative])
    lo = c0[people.join_day]
    span = c0[cal.n_days] - lo
    drawn = rng.poisson(people.lam * span)
    alive_for = rng.geometric(people.p_drop)
    person = np.repeat(np.arange(len(people)), drawn)
    u = np.sort(person + rng.random(len(person))) - person  # sorted within each person
    starts = np.repeat(np.cumsum(drawn) - drawn, drawn)
    keep = (np.arange(len(person)) - starts) < alive_for[person]
    person, u = person[keep], u[keep]
    c = lo[person] + u * span[person]
    day = np.clip(np.searchsorted(c0, c, side="right") - 1, people.join_day[person], cal.n_days - 1)
    return person, day, alive_for <= drawn


def make_orders(
    rng: np.random.Generator,
    people: People,
    cal: Calendar,
    cat: Catalog,
    net: Network,
    period_start_s: int,
) -> Orders:
    person, day, dropped = purchase_times(rng, people, cal)
    n = len(person)
    channel = (rng.random(n)[:, None] > people.chan_cdf[person]).sum(axis=1)
    channel = np.minimum(channel, CALLC)

    store = _pick_store(rng, people, net, person)
    store = np.where(channel == STORE, store, -1)
    in_store = channel == STORE
    offset = np.where(
        in_store, net.offset_h[np.maximum(store, 0)], net.offset_h[people.home_store[person]]
    )
    hours = np.where(
        in_store,
        np.searchsorted(hour_cdf(STORE_HOURS), rng.random(n), side="right"),
        np.searchsorted(hour_cdf(ONLINE_HOURS), rng.random(n), side="right"),
    )
    sec = hours * 3600 + rng.integers(0, 3600, n)
    ts = period_start_s + day * _DAY + sec - offset * 3600

    order = np.argsort(ts, kind="stable")
    person, day, channel, store, ts = (
        person[order],
        day[order],
        channel[order],
        store[order],
        ts[order],
    )

    basket = 0.6 + 0.8 * people.value_q[person]
    n_lines = 1 + rng.poisson(_EXTRA_LINES[channel] * basket)
    line_lo = np.concatenate([[0], np.cumsum(n_lines)])
    lo_rep = np.repeat(np.arange(n), n_lines)
    sku, root = _pick_skus(rng, people, cal, cat, person[lo_rep], day[lo_rep])
    price = cat.price_minor[sku]
    qty = 1 + np.where(
        rng.random(len(sku)) < np.where(price < 50_000, 0.3, 0.06), rng.geometric(0.55, len(sku)), 0
    )
    pct = cal.promo_pct[day[lo_rep], root]
    promo = np.where(pct > 0, cal.promo_id[day[lo_rep], root], -1)
    discount = np.round(qty * price * pct).astype(np.int64)
    return Orders(
        person,
        channel,
        day,
        ts,
        store,
        line_lo,
        sku,
        qty.astype(np.int64),
        price,
        discount,
        promo,
        dropped,
    )


def _pick_store(
    rng: np.random.Generator, people: People, net: Network, person: np.ndarray
) -> np.ndarray:
    """Mostly the home store, sometimes another store of the city, rarely one far away."""
    stores = net.of_kind("store")
    by_city = net.by_city("store")
    n = len(person)
    home = people.home_store[person]
    city = people.city[person]
    counts = np.array([len(s) for s in by_city])
    flat = np.concatenate(by_city)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    same_city = flat[first[city] + (rng.random(n) * counts[city]).astype(np.int64)]
    anywhere = stores[rng.integers(0, len(stores), n)]
    u = rng.random(n)
    return np.where(u < 0.84, home, np.where(u < 0.96, same_city, anywhere))


def _pick_skus(
    rng: np.random.Generator,
    people: People,
    cal: Calendar,
    cat: Catalog,
    person: np.ndarray,
    day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Root category by taste or by the season, then a SKU by price level or by popularity."""
    n = len(person)
    fav = people.fav_roots[person, rng.integers(0, 2, n)]
    seasonal = (rng.random(n)[:, None] > cal.root_cdf[day]).sum(axis=1)
    root = np.where(rng.random(n) < TASTE_SHARE, fav, np.minimum(seasonal, len(cat.roots) - 1))
    lo, hi = cat.root_lo[root], cat.root_hi[root]
    q = np.clip(people.value_q[person] + rng.normal(0, 0.18, n), 0, 0.999)
    by_price = lo + (q * (hi - lo)).astype(np.int64)
    cum = np.cumsum(cat.popularity)
    by_pop = np.clip(np.searchsorted(cum, root + rng.random(n) * 0.999999), lo, hi - 1)
    sku = np.where(rng.random(n) < 0.5, by_price, by_pop)
    return sku, root
