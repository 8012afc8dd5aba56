"""Synthetic persons of one chunk: who they are, where they live, how they buy.

The buying model is BG/NBD-like so that RFM, CLV and churn models find real signal: a purchase rate
lambda ~ Gamma, a drop-out probability after each purchase p ~ Beta, a spend level per person
(Gamma-Gamma style), and a Dirichlet channel preference over store/web/app/marketplace/call centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth import names
from omnicrm.synth.config import SynthConfig
from omnicrm.synth.formats import concat, digits, hex_strings, numbered, pick
from omnicrm.synth.geography import CITIES, Network
from omnicrm.synth.identifiers import (
    CARD_DUPLICATE,
    CARD_PRIMARY,
    buyer_ids,
    card_numbers,
    mobile_phone,
)

CHANNELS = ("store", "web", "app", "marketplace", "callcentre")
STORE, WEB, APP, MARKET, CALLC = range(5)
_CHANNEL_ALPHA = np.array([2.0, 0.55, 0.7, 0.35, 0.08])
_DAY = 86400


@dataclass
class People:
    """Parallel arrays, one element per person of the chunk."""

    gidx: np.ndarray
    person_id: pa.Array
    female: np.ndarray
    first: np.ndarray  # index into names.first_names()
    last: np.ndarray  # index into names.surnames() (feminine forms already applied)
    middle: np.ndarray  # index into names.patronymics()
    birth_day: np.ndarray  # days since 1970-01-01
    city: np.ndarray
    home_store: np.ndarray  # network index of a store
    home_pp: np.ndarray  # network index of a pickup point in the city, or -1
    address: pa.Array
    join_day: np.ndarray  # period day from which the person is a customer
    lam: np.ndarray  # purchases per year while alive
    p_drop: np.ndarray
    value_q: np.ndarray  # spend level as a quantile in [0, 1]
    chan_cdf: np.ndarray  # (n, 5) cumulative channel preference
    fav_roots: np.ndarray  # (n, 2) favourite root categories
    phone: np.ndarray  # 10 digits; family members share one
    family: np.ndarray  # True if the phone is a relative's
    email: pa.Array  # canonical lower case, null when none
    has_app: np.ndarray
    device_id: pa.Array
    cookie: pa.Array
    cookie2: pa.Array  # a second browser/device, used for part of the sessions
    member: np.ndarray
    card_no: np.ndarray  # int64, 0 when not a member
    card_issued_s: np.ndarray  # epoch seconds
    card_store: np.ndarray  # network index, -1 when enrolled online
    dup_card_no: np.ndarray  # second card, 0 when none
    dup_issued_s: np.ndarray
    buyer_id: pa.Array
    mac: np.ndarray  # (n, 6) uint8 phone Wi-Fi MAC
    wifi_on: np.ndarray
    face_token: pa.Array
    consent: np.ndarray  # (n, 3) int8 email/sms/push: 1, 0 or -1 (not asked)
    points_user: np.ndarray  # pays with points sometimes

    def __len__(self) -> int:
        return len(self.gidx)


def make_people(
    rng: np.random.Generator, cfg: SynthConfig, chunk: int, net: Network, period_start_s: int
) -> People:
    lo, hi = cfg.chunk_bounds(chunk)
    n = hi - lo
    gidx = np.arange(lo, hi, dtype=np.int64)
    fn, sn = names.first_names(), names.surnames()
    n_fem = len(names.FEMALE_FIRST)
    n_sur = len(names.SURNAMES_MALE)
    n_pat = len(names.PATRONYMIC_ROOTS)

    female = rng.random(n) < 0.56
    first = np.where(female, rng.integers(0, n_fem, n), n_fem + rng.integers(0, len(fn) - n_fem, n))
    sur_root = rng.integers(0, n_sur, n)
    middle_root = rng.integers(0, n_pat, n)
    age_years = np.clip(rng.gamma(9.0, 4.6, n), 18, 85)
    birth_day = (period_start_s // _DAY - age_years * 365.25).astype(np.int64)

    weights = np.array([c.weight for c in CITIES])
    city = rng.choice(len(CITIES), size=n, p=weights / weights.sum())
    stores_by_city = net.by_city("store")
    pps_by_city = net.by_city("pickup_point")
    home_store = np.empty(n, dtype=np.int64)
    home_pp = np.full(n, -1, dtype=np.int64)
    for c in range(len(CITIES)):
        m = city == c
        k = int(m.sum())
        if k:
            home_store[m] = stores_by_city[c][rng.integers(0, len(stores_by_city[c]), k)]
            if len(pps_by_city[c]):
                home_pp[m] = pps_by_city[c][rng.integers(0, len(pps_by_city[c]), k)]
    street = rng.integers(0, len(names.STREETS), n)
    house = rng.integers(1, 120, n)
    flat = rng.integers(1, 300, n)

    # Families: a person may live with the previous one and share the phone and address.
    family = (rng.random(n) < 0.07) & (np.arange(n) > 0)
    family[1:] &= ~family[:-1]
    src = np.where(family, np.arange(n) - 1, np.arange(n))
    for arr in (city, home_store, home_pp, street, house, flat):
        arr[:] = arr[src]
    sur_root = np.where(family, sur_root[src], sur_root)
    phone = mobile_phone(gidx, cfg.seed)[src]
    last = sur_root + np.where(female, n_sur, 0)
    middle = middle_root + np.where(female, n_pat, 0)

    address = concat(
        pick(pa.array([c.name for c in CITIES]), city),
        ", ул. ",
        pick(names.streets(), street),
        ", д. ",
        digits(house),
        ", кв. ",
        digits(flat),
    )

    existing = rng.random(n) < cfg.existing_share
    join_day = np.where(existing, 0, rng.integers(0, cfg.n_days, n))
    lam = rng.gamma(0.8, 8.8, n)  # purchases per year; mean ~7, long tail of regulars
    p_drop = rng.beta(1.1, 7.0, n)
    value_q = rng.beta(2.0, 2.0, n)
    has_app = rng.random(n) < 0.38
    alpha = np.broadcast_to(_CHANNEL_ALPHA, (n, 5)).copy()
    alpha[~has_app, APP] = 1e-3
    pref = rng.gamma(alpha)
    pref /= pref.sum(axis=1, keepdims=True)
    pref = np.nan_to_num(pref, nan=0.2)
    chan_cdf = np.cumsum(pref, axis=1)
    chan_cdf[:, -1] = 1.0

    fav_roots = np.stack([rng.integers(0, 8, n), rng.integers(0, 8, n)], axis=1)

    email = _emails(rng, fn, sn, first, last, chunk, cfg.n_chunks)
    has_email = rng.random(n) < 0.8
    email = pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string()))

    member = rng.random(n) < cfg.loyalty_share
    card_no = np.where(member, card_numbers(gidx, cfg.seed, CARD_PRIMARY), 0)
    period_s = cfg.n_days * _DAY
    issued = np.where(
        existing,
        period_start_s - rng.integers(1, 6 * 365, n) * _DAY,
        period_start_s + join_day * _DAY + rng.integers(0, 3 * _DAY, n),
    ) + rng.integers(10 * 3600, 21 * 3600, n)
    issued = np.minimum(issued, period_start_s + period_s - 3600)
    enrolled_online = rng.random(n) < 0.25
    card_store = np.where(enrolled_online, -1, home_store)
    dup = member & (rng.random(n) < 0.04)
    dup_card_no = np.where(dup, card_numbers(gidx, cfg.seed, CARD_DUPLICATE), 0)
    dup_issued = issued + rng.integers(30, 400, n) * _DAY
    dup_card_no = np.where(dup_issued < period_start_s + period_s, dup_card_no, 0)

    consent = rng.choice(np.array([1, 0, -1], dtype=np.int8), size=(n, 3), p=[0.6, 0.25, 0.15])
    return People(
        gidx=gidx,
        person_id=numbered("P", gidx + 1, 7),
        female=female,
        first=first,
        last=last,
        middle=middle,
        birth_day=birth_day,
        city=city,
        home_store=home_store,
        home_pp=home_pp,
        address=address,
        join_day=join_day,
        lam=lam,
        p_drop=p_drop,
        value_q=value_q,
        chan_cdf=chan_cdf,
        fav_roots=fav_roots,
        phone=phone,
        family=family,
        email=email,
        has_app=has_app,
        device_id=concat("d-", hex_strings(rng, n, 8)),
        cookie=concat("c-", hex_strings(rng, n, 10)),
        cookie2=concat("c-", hex_strings(rng, n, 10)),
        member=member,
        card_no=card_no,
        card_issued_s=issued,
        card_store=card_store,
        dup_card_no=dup_card_no,
        dup_issued_s=dup_issued,
        buyer_id=buyer_ids(gidx, cfg.seed),
        mac=rng.integers(0, 256, size=(n, 6), dtype=np.uint8),
        wifi_on=rng.random(n) < 0.45,
        face_token=concat("ft-", hex_strings(rng, n, 12)),
        consent=consent,
        points_user=member & (rng.random(n) < 0.35),
    )


def _emails(
    rng: np.random.Generator,
    fn: names.Spellings,
    sn: names.Spellings,
    first: np.ndarray,
    last: np.ndarray,
    chunk: int,
    n_chunks: int,
) -> pa.Array:
    """``anna.ivanova12@mail.ru``, unique: the number encodes (rank among namesakes, chunk)."""
    n = len(first)
    key = first * 10_000 + last
    order = np.argsort(key, kind="stable")
    sk = key[order]
    starts = np.r_[0, np.flatnonzero(sk[1:] != sk[:-1]) + 1]
    rank_sorted = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_sorted
    number = rank * n_chunks + chunk
    f = pick(fn.lower_lat, first)
    s = pick(sn.lower_lat, last)
    pattern = rng.integers(0, 4, n)
    local = pc.choose(
        pa.array(pattern.astype(np.int8)),
        concat(f, ".", s),
        concat(f, s),
        concat(pc.utf8_slice_codeunits(f, 0, 1), ".", s),
        concat(s, "_", f),
    )
    suffix = pc.if_else(pa.array(number == 0), "", digits(number))
    domains = pa.array(list(names.EMAIL_DOMAINS))
    w = np.array(names.EMAIL_DOMAIN_WEIGHTS)
    domain = pick(domains, rng.choice(len(w), size=n, p=w / w.sum()))
    return concat(local, suffix, "@", domain)
