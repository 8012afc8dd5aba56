"""In-store sensors: Wi-Fi radar sightings (wifi_sightings.csv) and camera face tokens
(camera_faces.csv).

People are seen on some of their store visits and on walk-bys without a purchase. Noise that an
identity graph must survive: phones that randomise their MAC for a visit, a face the camera fails
to recognise (a fresh token), staff phones seen every day (chunk 0) and strangers.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

from omnicrm.synth.channels.common import person_ids, store_codes
from omnicrm.synth.formats import concat, digits, hex_strings, iso_ts, null_where, pick, where
from omnicrm.synth.schema import CAMERA, WIFI
from omnicrm.synth.world import Chunk, Part

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
_DAY, _H, _MIN = 86400, 3600, 60


def _sha256_hex(macs: np.ndarray) -> pa.Array:
    """sha256 hex of ``aa:bb:cc:dd:ee:ff`` for each row of an (n, 6) byte array."""
    return pa.array(
        [
            hashlib.sha256(":".join(f"{b:02x}" for b in row).encode()).hexdigest()
            for row in macs.tolist()
        ],
        pa.string(),
    )


def _visits(ch: Chunk, p_seen: float, who: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, store, epoch s) of store visits that a sensor catches, plus walk-bys."""
    rng, p, w = ch.rng, ch.people, ch.world
    person, store, ts = ch.extras["store_visits"]  # type: ignore[misc]
    seen = who[person] & (rng.random(len(person)) < p_seen)
    k = rng.poisson(0.6, len(p)) * who
    walk_person = np.repeat(np.arange(len(p)), k)
    day = p.join_day[walk_person] + (
        rng.random(len(walk_person)) * (w.cfg.n_days - p.join_day[walk_person])
    ).astype(np.int64)
    walk_store = p.home_store[walk_person]
    walk_ts = (
        w.start_s
        + day * _DAY
        + rng.integers(10 * _H, 22 * _H, len(walk_person))
        - w.net.offset_h[walk_store] * _H
    )
    return (
        np.concatenate([person[seen], walk_person]),
        np.concatenate([store[seen], walk_store]),
        np.concatenate([ts[seen], walk_ts]),
    )


def wifi_part(ch: Chunk) -> Part:
    rng, p, w = ch.rng, ch.people, ch.world
    person, store, ts = _visits(ch, 0.35, p.wifi_on)
    n = len(person)
    first = ts - rng.integers(2 * _MIN, 15 * _MIN, n)
    last = ts + rng.integers(1 * _MIN, 25 * _MIN, n)
    randomised = rng.random(n) < 0.15
    uniq, inv = np.unique(person, return_inverse=True)
    own_hash = _sha256_hex(p.mac[uniq]).take(pa.array(inv))
    rand_hash = _sha256_hex(rng.integers(0, 256, size=(int(randomised.sum()), 6), dtype=np.uint8))
    mac_hash = own_hash.to_numpy(zero_copy_only=False).astype(object)
    mac_hash[randomised] = rand_hash.to_numpy(zero_copy_only=False)
    mac_hash = pa.array(mac_hash, pa.string())
    # Strangers passing by (no person), and in chunk 0 the staff's phones, every day.
    n_str = max(1, n // 3)
    stores = w.net.of_kind("store")
    s_store = stores[rng.integers(0, len(stores), n_str)]
    s_first = (
        w.start_s
        + rng.integers(0, w.cfg.n_days, n_str) * _DAY
        + rng.integers(10 * _H, 22 * _H, n_str)
        - w.net.offset_h[s_store] * _H
    )
    s_last = s_first + rng.integers(_MIN, 10 * _MIN, n_str)
    s_hash = _sha256_hex(rng.integers(0, 256, size=(n_str, 6), dtype=np.uint8))
    if ch.index == 0:
        staff = stores
        staff_hash = _sha256_hex(rng.integers(0, 256, size=(len(staff), 6), dtype=np.uint8))
        days = np.arange(0, w.cfg.n_days, 7)
        st = np.tile(staff, len(days))
        s_store = np.concatenate([s_store, st])
        sf = (
            w.start_s
            + np.repeat(days, len(staff)) * _DAY
            + 9 * _H
            + rng.integers(0, 1800, len(st))
            - w.net.offset_h[st] * _H
        )
        s_first = np.concatenate([s_first, sf])
        s_last = np.concatenate([s_last, sf + 12 * _H])
        s_hash = pa.concat_arrays(
            [s_hash, pa.chunked_array([staff_hash] * len(days)).combine_chunks()]
        )
    all_store = np.concatenate([store, s_store])
    all_first = np.concatenate([first, s_first])
    all_last = np.minimum(np.concatenate([last, s_last]), w.end_s)
    hashes = pa.concat_arrays([mac_hash, s_hash])
    order = np.argsort(all_first, kind="stable")
    order = order[all_first[order] <= w.end_s]
    off = w.net.offset_h[all_store[order]]
    codes = store_codes(ch, all_store[order])
    first_seen = iso_ts(all_first[order], off)
    h = hashes.take(pa.array(order))
    table = pa.table(
        {
            "store_code": codes,
            "mac_hash": h,
            "first_seen": first_seen,
            "last_seen": iso_ts(all_last[order], off),
            "rssi": pa.array(-rng.integers(35, 92, len(order))),
        }
    )
    own = order < n
    key = concat(codes, "/", h, "/", first_seen).filter(pa.array(own))
    return Part(WIFI, table, len(order), key, person_ids(ch, person[order[own]]))


def camera_part(ch: Chunk) -> Part:
    rng, p, w = ch.rng, ch.people, ch.world
    person, store, ts = _visits(ch, 0.25, np.ones(len(p), bool))
    n = len(person)
    seen_at = ts - rng.integers(_MIN, 10 * _MIN, n)
    fresh = rng.random(n) < 0.1  # not recognised: a new token for a known face
    token = where(
        fresh, concat("ft-", hex_strings(rng, n, 12)), p.face_token.take(pa.array(person))
    )
    age = (ts // _DAY - p.birth_day[person]) / 365.25 + rng.normal(0, 4, n)
    band = np.clip(np.searchsorted([25, 35, 45, 55], age, side="right"), 0, 4)
    gender_ok = rng.random(n) < 0.93
    female = np.where(gender_ok, p.female[person], ~p.female[person])
    n_str = max(1, n // 2)
    stores = w.net.of_kind("store")
    s_store = stores[rng.integers(0, len(stores), n_str)]
    s_at = (
        w.start_s
        + rng.integers(0, w.cfg.n_days, n_str) * _DAY
        + rng.integers(10 * _H, 22 * _H, n_str)
        - w.net.offset_h[s_store] * _H
    )
    all_store = np.concatenate([store, s_store])
    all_at = np.concatenate([seen_at, s_at])
    order = np.argsort(all_at, kind="stable")
    order = order[all_at[order] <= w.end_s]
    m = len(order)
    codes = store_codes(ch, all_store[order])
    cam = concat("CAM", digits(rng.integers(1, 5, m)))
    tok = pa.concat_arrays([token, concat("ft-", hex_strings(rng, n_str, 12))]).take(
        pa.array(order)
    )
    at = iso_ts(all_at[order], w.net.offset_h[all_store[order]])
    all_band = np.concatenate([band, rng.integers(0, 5, n_str)])[order]
    all_gender = np.concatenate([female, rng.random(n_str) < 0.5])[order]
    unknown_gender = rng.random(m) < 0.05
    table = pa.table(
        {
            "store_code": codes,
            "camera_id": cam,
            "face_token": tok,
            "seen_at": at,
            "age_band": pick(pa.array(AGE_BANDS), all_band),
            "gender": null_where(unknown_gender, where(all_gender, "F", "M")),
        }
    )
    own = order < n
    key = concat(codes, "/", cam, "/", tok, "/", at).filter(pa.array(own))
    return Part(CAMERA, table, m, key, person_ids(ch, person[order[own]]))
