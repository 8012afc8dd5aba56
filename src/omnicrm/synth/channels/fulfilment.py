"""Delivery of remote orders (web, app, call centre): type, place, cost and the status timeline.

The shop's own export carries the statuses the shop sets (created, paid, cancelled by the customer);
the logistics feed (delivery_status.csv) carries the rest (assembled, shipped, ready_for_pickup,
delivered, picked_up, cancelled when never collected). Anything after the export moment is cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from omnicrm.synth.world import Chunk

COURIER, PICKUP_POINT, CLICK_COLLECT = 0, 1, 2
DELIVERY_TYPES = ("courier", "pickup_point", "click_and_collect")
FEED_STATUSES = ("assembled", "shipped", "ready_for_pickup", "delivered", "picked_up", "cancelled")
CARRIERS = ("Быстрый курьер", "ЭкспрессДоставка", "ПочтаПлюс")
OWN_CARRIER = "Омни Логистика"
_H = 3600
_NONE = -1


@dataclass
class Fulfilment:
    """Per order (aligned with ``order``, indices into chunk orders)."""

    order: np.ndarray
    ref: pa.Array  # order id / order_ref as exported
    kind: np.ndarray  # COURIER | PICKUP_POINT | CLICK_COLLECT
    store: np.ndarray  # network index (click and collect) or -1
    pickup_point: np.ndarray  # network index or -1
    cost: np.ndarray  # kopecks
    prepaid: np.ndarray
    paid_at: np.ndarray  # epoch s or -1
    cancelled_at: np.ndarray  # by the customer, in the shop; epoch s or -1
    feed: np.ndarray  # (n, len(FEED_STATUSES)) epoch s or -1, already cut at the export moment
    carrier: np.ndarray  # index into CARRIERS, or -1 for own logistics
    offset_h: np.ndarray  # local offset of the delivery city

    @property
    def handed_over_at(self) -> np.ndarray:
        """When the customer got the goods (delivered or picked up), or -1."""
        return np.maximum(self.feed[:, 3], self.feed[:, 4])


def fulfil(
    ch: Chunk,
    order: np.ndarray,
    ref: pa.Array,
    p_prepaid: float,
    kinds_p: tuple[float, float, float],
) -> Fulfilment:
    rng, o, p, net = ch.rng, ch.orders, ch.people, ch.world.net
    n = len(order)
    person = o.person[order]
    kind = rng.choice(3, size=n, p=np.asarray(kinds_p) / sum(kinds_p))
    pp = p.home_pp[person]
    kind = np.where((kind == PICKUP_POINT) & (pp < 0), CLICK_COLLECT, kind)
    store = np.where(kind == CLICK_COLLECT, p.home_store[person], -1)
    pickup_point = np.where(kind == PICKUP_POINT, pp, -1)
    total = o.totals()[order]
    cost = np.select(
        [kind == COURIER, kind == PICKUP_POINT],
        [np.where(total < 300_000, 29_900, 0), np.where(total < 150_000, 9_900, 0)],
        0,
    )
    created = o.ts[order]
    prepaid = rng.random(n) < p_prepaid
    paid_at = np.where(prepaid, created + rng.integers(30, 900, n), _NONE)
    cancel = rng.random(n) < 0.03
    cancelled_at = np.where(cancel, created + rng.integers(600, 6 * _H, n), _NONE)

    feed = np.full((n, len(FEED_STATUSES)), _NONE, dtype=np.int64)
    assembled = created + rng.integers(2 * _H, 20 * _H, n)
    shipped = assembled + rng.integers(2 * _H, 24 * _H, n)
    ready = np.where(
        kind == CLICK_COLLECT,
        assembled + rng.integers(2 * _H, 30 * _H, n),
        shipped + rng.integers(20 * _H, 72 * _H, n),
    )
    collected = rng.random(n) < 0.92
    handed = np.where(
        kind == COURIER,
        shipped + rng.integers(4 * _H, 72 * _H, n),
        ready + rng.integers(_H, 6 * 24 * _H, n),
    )
    active = ~cancel
    feed[:, 0] = np.where(active, assembled, _NONE)
    feed[:, 1] = np.where(active & (kind != CLICK_COLLECT), shipped, _NONE)
    feed[:, 2] = np.where(active & (kind != COURIER), ready, _NONE)
    feed[:, 3] = np.where(active & (kind == COURIER), handed, _NONE)
    feed[:, 4] = np.where(active & (kind != COURIER) & collected, handed, _NONE)
    feed[:, 5] = np.where(active & (kind != COURIER) & ~collected, ready + 7 * 24 * _H, _NONE)
    end = ch.world.end_s
    feed = np.where(feed > end, _NONE, feed)
    paid_at = np.where(paid_at > end, _NONE, paid_at)
    cancelled_at = np.where(cancelled_at > end, _NONE, cancelled_at)
    carrier = np.where(kind == CLICK_COLLECT, -1, rng.integers(0, len(CARRIERS), n))
    return Fulfilment(
        order=order,
        ref=ref,
        kind=kind,
        store=store,
        pickup_point=pickup_point,
        cost=cost,
        prepaid=prepaid,
        paid_at=paid_at,
        cancelled_at=cancelled_at,
        feed=feed,
        carrier=carrier,
        offset_h=net.offset_h[p.home_store[person]],
    )
