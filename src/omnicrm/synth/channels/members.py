"""The loyalty registry (loyalty_members.csv).

Besides one card per member it holds the mess a real registry has: a second card issued to some
members later with their details typed differently (duplicates), one "house" card per store, and
blank cards handed out and never used (orphans). House and blank cards belong to no person.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth import names
from omnicrm.synth.channels.common import card_text, person_ids
from omnicrm.synth.channels.homes import address_columns
from omnicrm.synth.channels.pos import house_cards
from omnicrm.synth.formats import concat, digits, iso_date, iso_ts, null_where, pick, where
from omnicrm.synth.geography import CITIES
from omnicrm.synth.identifiers import CARD_BLANK, card_numbers
from omnicrm.synth.noise import email_as, phone_as, random_phone_styles, spelled, spelling
from omnicrm.synth.schema import MEMBERS
from omnicrm.synth.world import Chunk, Part

ADDRESS = ("region", "postcode", "street", "house", "flat", "address_raw")
_CASHIER_STYLES = (0.2, 0.35, 0.15, 0.15, 0.05, 0.1)


def members_part(ch: Chunk) -> Part:
    p, rng = ch.people, ch.rng
    prim = np.flatnonzero(p.member)
    dup = np.flatnonzero(p.dup_card_no != 0)
    person = np.concatenate([prim, dup])
    is_dup = np.concatenate([np.zeros(len(prim), bool), np.ones(len(dup), bool)])
    card = np.where(is_dup, p.dup_card_no[person], p.card_no[person])
    issued = np.where(is_dup, p.dup_issued_s[person], p.card_issued_s[person])
    # A duplicate is usually issued in some other store, by someone who typed the details anew.
    store = np.where(is_dup, p.home_store[person], p.card_store[person])
    n = len(person)
    p_typo = np.where(is_dup, 0.3, 0.03)
    name_style = spelling(rng, n, 0.02, 0.0)
    name_style = np.where(rng.random(n) < p_typo, 2, name_style).astype(np.int8)
    fn, sn, pn = names.first_names(), names.surnames(), names.patronymics()
    last = spelled((sn.cyr, sn.lat, sn.typo), p.last[person], name_style)
    first = spelled(
        (fn.cyr, fn.lat, fn.typo),
        p.first[person],
        np.where(name_style == 2, 0, name_style).astype(np.int8),
    )
    middle = null_where(
        rng.random(n) < 0.35,
        spelled(
            (pn.cyr, pn.lat, pn.typo),
            p.middle[person],
            np.where(name_style == 2, 0, name_style).astype(np.int8),
        ),
    )
    birth = null_where(rng.random(n) < 0.2, iso_date(p.birth_day[person]))
    gender = null_where(rng.random(n) < 0.1, where(p.female[person], "F", "M"))
    phone = null_where(
        rng.random(n) < 0.04,
        phone_as(p.phone[person], random_phone_styles(rng, n, _CASHIER_STYLES)),
    )
    email_src = p.email.take(pa.array(person))
    email = null_where(rng.random(n) < np.where(is_dup, 0.5, 0.12), email_as(email_src, rng, 0.25))
    city = null_where(
        rng.random(n) < 0.08, pick(pa.array([c.name for c in CITIES]), p.city[person])
    )
    consent = p.consent[person]
    # A duplicate card gets its own consent form: often all "not asked".
    consent = np.where(is_dup[:, None] & (rng.random((n, 1)) < 0.6), -1, consent)
    net = ch.world.net
    offset = np.where(store >= 0, net.offset_h[np.maximum(store, 0)], 3)
    issued_at = iso_ts(issued, offset)
    asked = (consent != -1).any(axis=1)
    cols = {
        "card_no": card_text(card),
        "issued_at": issued_at,
        "store_code": null_where(store < 0, pick(pa.array(net.code), np.maximum(store, 0))),
        "last_name": last,
        "first_name": first,
        "middle_name": middle,
        "birth_date": birth,
        "gender": gender,
        "phone": phone,
        "email": email,
        "city": city,
        "consent_email": _consent(consent[:, 0]),
        "consent_sms": _consent(consent[:, 1]),
        "consent_push": _consent(consent[:, 2]),
        "consent_at": null_where(~asked, iso_ts(issued + 60, offset)),
        **_old_program(ch, person, is_dup, issued, store, offset),
        **address_columns(ch.world.cfg.seed, ch.index, p.gidx[person], p.city[person], is_dup),
    }
    table = pa.table(cols)
    order = np.argsort(issued, kind="stable")
    table = table.take(pa.array(order))
    truth_key = card_text(card[order])
    truth_person = person_ids(ch, person[order])
    extra = _unowned_cards(ch, rng)
    records = n + extra.num_rows
    if extra.num_rows:
        table = pa.concat_tables([table, extra])
    return Part(MEMBERS, table, records, truth_key, truth_person)


def _old_program(
    ch: Chunk,
    person: np.ndarray,
    is_dup: np.ndarray,
    issued: np.ndarray,
    store: np.ndarray,
    offset: np.ndarray,
) -> dict[str, pa.Array]:
    """What the chain's previous loyalty system reports of each card, for the migration: the
    level follows the person's spend level (the bundled program's base / silver / gold and their
    thresholds), balances are skewed with many near zero, a few cards are accrual-only or
    blocked, and a second card carries little of its own."""
    rng, n = ch.rng, len(person)
    value = ch.people.value_q[person]
    tier = np.where(value > 0.93, 2, np.where(value > 0.75, 1, 0))
    tier = np.where(is_dup, 0, tier)
    floor = np.array([0, 3_000_000, 10_000_000])[tier]
    width = np.array([2_900_000, 6_900_000, 15_000_000])[tier]
    spend = floor + (rng.random(n) * width).astype(np.int64)
    balance = np.where(
        rng.random(n) < np.where(is_dup, 0.8, 0.25),
        0,
        rng.lognormal(np.log(400) + tier * 0.6, 1.0, n).astype(np.int64),
    )
    state = rng.choice(3, n, p=[0.97, 0.02, 0.01])
    end = ch.world.start_s + ch.world.cfg.n_days * 86400
    level_since = np.minimum(issued + rng.integers(0, 400, n) * 86400, end - 86400)
    expire = end + rng.integers(30, 365, n) * 86400
    funded = balance > 0
    return {
        "card_state": pick(pa.array(["active", "accrual_only", "blocked"]), state),
        "points_balance": digits(balance),
        "period_spend_minor": digits(spend),
        "level": pick(pa.array(["base", "silver", "gold"]), tier),
        "level_since": iso_ts(level_since, offset),
        "points_expire_at": null_where(~funded, iso_ts(expire, offset)),
        "channel": where(store >= 0, "till", "web"),
    }


def _consent(v: np.ndarray) -> pa.Array:
    return null_where(v < 0, digits(np.maximum(v, 0)))


def _unowned_cards(ch: Chunk, rng: np.random.Generator) -> pa.Table:
    """House cards (chunk 0 writes them) and blank cards nobody registered (every chunk)."""
    net, start = ch.world.net, ch.world.start_s
    stores = ch.world.net.of_kind("store")
    n_blank = max(1, len(ch.people) // 150)
    blank_store = stores[rng.integers(0, len(stores), n_blank)]
    blank_idx = ch.index * 1_000_000 + np.arange(n_blank)
    blank = card_numbers(blank_idx, ch.world.cfg.seed, CARD_BLANK)
    blank_issued = start + rng.integers(-700, ch.world.cfg.n_days, n_blank) * 86400 + 11 * 3600
    if ch.index == 0:
        house = house_cards(ch.world.cfg.seed, len(net.code))[stores]
        card = np.concatenate([house, blank])
        store = np.concatenate([stores, blank_store])
        issued = np.concatenate(
            [np.full(len(stores), start - 400 * 86400 + 9 * 3600), blank_issued]
        )
        house_mask = np.arange(len(card)) < len(stores)
    else:
        card, store, issued, house_mask = blank, blank_store, blank_issued, np.zeros(n_blank, bool)
    n = len(card)
    nulls = pa.nulls(n, pa.string())
    offset = net.offset_h[store]
    codes = pick(pa.array(net.code), store)
    return pa.table(
        {
            "card_no": card_text(card),
            "issued_at": iso_ts(issued - offset * 3600, offset),
            "store_code": codes,
            "last_name": null_where(~house_mask, concat("Магазин ", codes)),
            "first_name": null_where(~house_mask, pa.array(["Карта"] * n, pa.string())),
            "middle_name": nulls,
            "birth_date": nulls,
            "gender": nulls,
            "phone": nulls,
            "email": nulls,
            "city": null_where(
                ~house_mask, pick(pa.array([c.name for c in CITIES]), net.city[store])
            ),
            "consent_email": nulls,
            "consent_sms": nulls,
            "consent_push": nulls,
            "consent_at": nulls,
            **{
                name: nulls
                for name in (
                    "card_state",
                    "points_balance",
                    "period_spend_minor",
                    "level",
                    "level_since",
                    "points_expire_at",
                    "channel",
                    *ADDRESS,
                )
            },
        }
    )
